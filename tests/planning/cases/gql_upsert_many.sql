-- mutation createCompanies
WITH _old AS (SELECT *
  FROM "workspace_0000000000000000"."company" t1
  WHERE t1."id" = ANY($1::uuid[])), _u0 AS (INSERT INTO "workspace_0000000000000000"."company" AS t0 ("idealCustomerProfile", "id", "name", "industry")
  SELECT t2.c_0, t2.c_1, t2.c_2, t2.c_3
  FROM unnest($2::boolean[], $3::uuid[], $4::text[], $5::text[]) AS t2(c_0, c_1, c_2, c_3) ON CONFLICT (id) DO
  UPDATE
  SET "name" = EXCLUDED."name", "updatedAt" = now(), "deletedAt" = NULL
  RETURNING t0.*, (t0.xmax = 0) AS _inserted), _u1 AS (INSERT INTO "workspace_0000000000000000"."company" AS t0 ("idealCustomerProfile", "id", "name", "industry")
  SELECT t3.c_0, t3.c_1, t3.c_2, t3.c_3
  FROM unnest($6::boolean[], $7::uuid[], $8::text[], $9::text[]) AS t3(c_0, c_1, c_2, c_3) ON CONFLICT (id) DO
  UPDATE
  SET "name" = EXCLUDED."name", "industry" = EXCLUDED."industry", "updatedAt" = now(), "deletedAt" = NULL
  RETURNING t0.*, (t0.xmax = 0) AS _inserted), _changed AS (SELECT *
  FROM _u0 UNION ALL
  SELECT *
  FROM _u1), _events AS (INSERT INTO "workspace_0000000000000000"."_event" (event, "objectName", "recordId", data, before)
  SELECT CASE WHEN t4."_inserted" THEN $10::text ELSE $11::text END, $12::text, t4."id", json_build_object('id', t4."id", 'createdAt', to_char(t4."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'updatedAt', to_char(t4."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'deletedAt', to_char(t4."deletedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'position', t4."position", 'name', t4."name", 'domainName', t4."domainName", 'address', t4."address", 'employees', t4."employees", 'industry', t4."industry", 'linkedinLink', t4."linkedinLink", 'xLink', t4."xLink", 'annualRecurringRevenue', json_build_object('amountMicros', t4."annualRecurringRevenueAmountMicros", 'currencyCode', t4."annualRecurringRevenueCurrencyCode"), 'idealCustomerProfile', t4."idealCustomerProfile")::jsonb, CASE WHEN t5."id" IS NULL THEN NULL ELSE json_build_object('id', t5."id", 'createdAt', to_char(t5."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'updatedAt', to_char(t5."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'deletedAt', to_char(t5."deletedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'position', t5."position", 'name', t5."name", 'domainName', t5."domainName", 'address', t5."address", 'employees', t5."employees", 'industry', t5."industry", 'linkedinLink', t5."linkedinLink", 'xLink', t5."xLink", 'annualRecurringRevenue', json_build_object('amountMicros', t5."annualRecurringRevenueAmountMicros", 'currencyCode', t5."annualRecurringRevenueCurrencyCode"), 'idealCustomerProfile', t5."idealCustomerProfile")::jsonb END
  FROM _changed t4 LEFT
  JOIN _old t5 ON t5."id" = t4."id"
  ORDER BY t4."id")
SELECT coalesce(json_agg(json_build_object('id', t6."id", 'name', t6."name")
    ORDER BY array_position($13::uuid[], t6."id")), '[]'::json)::text
FROM _changed t6;
