-- mutation createCompany
WITH _match AS (SELECT t2."n", coalesce((SELECT DISTINCT t3."id"
      FROM "workspace_0000000000000000"."company" t3
      WHERE t3."id" = t2."id"), t2."id") AS id
  FROM unnest($1::uuid[]) WITH ORDINALITY AS t2(id, n)), _old AS (SELECT *
  FROM "workspace_0000000000000000"."company" t1
  WHERE t1."id" IN (SELECT id
    FROM _match)), _u0 AS (INSERT INTO "workspace_0000000000000000"."company" AS t0 ("idealCustomerProfile", "id", "name", "employees")
  SELECT t4.c_0, t5."id", t4.c_2, t4.c_3
  FROM unnest($2::boolean[], $3::text[], $4::double precision[], $5::bigint[]) AS t4(c_0, c_2, c_3, n)
  JOIN _match t5 ON t5."n" = t4."n"
  WHERE (SELECT 1
    FROM _match a
    JOIN _match b ON a.id = b.id AND a.n <> b.n) IS NULL ON CONFLICT (id) DO
  UPDATE
  SET "name" = EXCLUDED."name", "employees" = EXCLUDED."employees", "updatedAt" = now(), "deletedAt" = NULL
  RETURNING t0.*, (t0.xmax = 0) AS _inserted), _changed AS (SELECT *
  FROM _u0), _events AS (INSERT INTO "workspace_0000000000000000"."_event" (event, "objectName", "recordId", data, before)
  SELECT CASE WHEN t6."_inserted" THEN $6::text ELSE $7::text END, $8::text, t6."id", json_build_object('id', t6."id", 'createdAt', to_char(t6."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'updatedAt', to_char(t6."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'deletedAt', to_char(t6."deletedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'position', t6."position", 'name', t6."name", 'domainName', t6."domainName", 'address', t6."address", 'employees', t6."employees", 'industry', t6."industry", 'linkedinLink', t6."linkedinLink", 'xLink', t6."xLink", 'annualRecurringRevenue', json_build_object('amountMicros', t6."annualRecurringRevenueAmountMicros", 'currencyCode', t6."annualRecurringRevenueCurrencyCode"), 'idealCustomerProfile', t6."idealCustomerProfile")::jsonb, CASE WHEN t7."id" IS NULL THEN NULL ELSE json_build_object('id', t7."id", 'createdAt', to_char(t7."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'updatedAt', to_char(t7."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'deletedAt', to_char(t7."deletedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'position', t7."position", 'name', t7."name", 'domainName', t7."domainName", 'address', t7."address", 'employees', t7."employees", 'industry', t7."industry", 'linkedinLink', t7."linkedinLink", 'xLink', t7."xLink", 'annualRecurringRevenue', json_build_object('amountMicros', t7."annualRecurringRevenueAmountMicros", 'currencyCode', t7."annualRecurringRevenueCurrencyCode"), 'idealCustomerProfile', t7."idealCustomerProfile")::jsonb END
  FROM _changed t6 LEFT
  JOIN _old t7 ON t7."id" = t6."id"
  ORDER BY t6."id")
SELECT json_build_object('id', t8."id", 'name', t8."name", 'employees', t8."employees")::text
FROM _changed t8
LIMIT 1;
