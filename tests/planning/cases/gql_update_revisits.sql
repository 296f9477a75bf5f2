-- mutation updateCompany (statement 1 of 2)
WITH _old AS (SELECT *
  FROM "workspace_0000000000000000"."company" t1
  WHERE t1."id" = ANY($1::uuid[]) AND t1."deletedAt" IS NULL
  ORDER BY t1."id" FOR UPDATE), _changed AS (UPDATE "workspace_0000000000000000"."company" t2
  SET "industry" = $2::text, "updatedAt" = now()
  FROM _old
  WHERE t2."id" = _old.id
  RETURNING t2.*), _events AS (INSERT INTO "workspace_0000000000000000"."_event" (event, "objectName", "recordId", data, before)
  SELECT $3::text, $4::text, t3."id", json_build_object('id', t3."id", 'createdAt', to_char(t3."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'updatedAt', to_char(t3."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'deletedAt', to_char(t3."deletedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'position', t3."position", 'name', t3."name", 'domainName', t3."domainName", 'address', t3."address", 'employees', t3."employees", 'industry', t3."industry", 'linkedinLink', t3."linkedinLink", 'xLink', t3."xLink", 'annualRecurringRevenue', json_build_object('amountMicros', t3."annualRecurringRevenueAmountMicros", 'currencyCode', t3."annualRecurringRevenueCurrencyCode"), 'idealCustomerProfile', t3."idealCustomerProfile")::jsonb, json_build_object('id', t4."id", 'createdAt', to_char(t4."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'updatedAt', to_char(t4."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'deletedAt', to_char(t4."deletedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'position', t4."position", 'name', t4."name", 'domainName', t4."domainName", 'address', t4."address", 'employees', t4."employees", 'industry', t4."industry", 'linkedinLink', t4."linkedinLink", 'xLink', t4."xLink", 'annualRecurringRevenue', json_build_object('amountMicros', t4."annualRecurringRevenueAmountMicros", 'currencyCode', t4."annualRecurringRevenueCurrencyCode"), 'idealCustomerProfile', t4."idealCustomerProfile")::jsonb
  FROM _changed t3
  JOIN _old t4 ON t4."id" = t3."id"
  ORDER BY t3."id")
SELECT set_config('twenty.written_ids', coalesce(array_agg(id)::text, '{}'), true)
FROM _changed;

-- mutation updateCompany (statement 2 of 2)
SELECT json_build_object('id', t2."id", 'people',
  (SELECT json_build_object('edges', coalesce(json_agg(json_build_object('node', json_build_object('id', t4."id", 'company',
              (SELECT json_build_object('industry', t5."industry")
                FROM "workspace_0000000000000000"."company" t5
                WHERE t5."id" = t4."companyId" AND t5."deletedAt" IS NULL
                LIMIT 1)))
          ORDER BY t4."createdAt" ASC NULLS LAST, t4."id" ASC NULLS LAST), '[]'::json))
    FROM (SELECT t3.*
      FROM "workspace_0000000000000000"."person" t3
      WHERE t3."companyId" = t2."id" AND t3."deletedAt" IS NULL
      ORDER BY t3."createdAt" ASC NULLS LAST, t3."id" ASC NULLS LAST
      LIMIT $1::int) t4))::text
FROM (SELECT *
  FROM "workspace_0000000000000000"."company" t1
  WHERE t1."id" = ANY(coalesce(current_setting('twenty.written_ids', true), '{}')::uuid[])) t2
LIMIT 1;
