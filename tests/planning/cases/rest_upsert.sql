-- POST /rest/companies
WITH _old AS (SELECT *
  FROM "workspace_0000000000000000"."company" t1
  WHERE t1."id" = ANY($1::uuid[])), _u0 AS (INSERT INTO "workspace_0000000000000000"."company" AS t0 ("idealCustomerProfile", "id", "name", "employees")
  SELECT t2.c_0, t2.c_1, t2.c_2, t2.c_3
  FROM unnest($2::boolean[], $3::uuid[], $4::text[], $5::double precision[]) AS t2(c_0, c_1, c_2, c_3) ON CONFLICT (id) DO
  UPDATE
  SET "name" = EXCLUDED."name", "employees" = EXCLUDED."employees", "updatedAt" = now(), "deletedAt" = NULL
  RETURNING t0.*, (t0.xmax = 0) AS _inserted), _changed AS (SELECT *
  FROM _u0), _events AS (INSERT INTO "workspace_0000000000000000"."_event" (event, "objectName", "recordId", data, before)
  SELECT CASE WHEN t3."_inserted" THEN $6::text ELSE $7::text END, $8::text, t3."id", json_build_object('id', t3."id", 'createdAt', to_char(t3."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'updatedAt', to_char(t3."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'deletedAt', to_char(t3."deletedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'position', t3."position", 'name', t3."name", 'domainName', t3."domainName", 'address', t3."address", 'employees', t3."employees", 'industry', t3."industry", 'linkedinLink', t3."linkedinLink", 'xLink', t3."xLink", 'annualRecurringRevenue', json_build_object('amountMicros', t3."annualRecurringRevenueAmountMicros", 'currencyCode', t3."annualRecurringRevenueCurrencyCode"), 'idealCustomerProfile', t3."idealCustomerProfile")::jsonb, CASE WHEN t4."id" IS NULL THEN NULL ELSE json_build_object('id', t4."id", 'createdAt', to_char(t4."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'updatedAt', to_char(t4."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'deletedAt', to_char(t4."deletedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'position', t4."position", 'name', t4."name", 'domainName', t4."domainName", 'address', t4."address", 'employees', t4."employees", 'industry', t4."industry", 'linkedinLink', t4."linkedinLink", 'xLink', t4."xLink", 'annualRecurringRevenue', json_build_object('amountMicros', t4."annualRecurringRevenueAmountMicros", 'currencyCode', t4."annualRecurringRevenueCurrencyCode"), 'idealCustomerProfile', t4."idealCustomerProfile")::jsonb END
  FROM _changed t3 LEFT
  JOIN _old t4 ON t4."id" = t3."id"
  ORDER BY t3."id")
SELECT json_build_object('id', t5."id", 'createdAt', to_char(t5."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'updatedAt', to_char(t5."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'deletedAt', to_char(t5."deletedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'position', t5."position", 'name', t5."name", 'domainName', t5."domainName", 'address', t5."address", 'employees', t5."employees", 'industry', t5."industry", 'linkedinLink', t5."linkedinLink", 'xLink', t5."xLink", 'annualRecurringRevenue', json_build_object('amountMicros', t5."annualRecurringRevenueAmountMicros", 'currencyCode', t5."annualRecurringRevenueCurrencyCode"), 'idealCustomerProfile', t5."idealCustomerProfile")::text
FROM _changed t5
LIMIT 1;
