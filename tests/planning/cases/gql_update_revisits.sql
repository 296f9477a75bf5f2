-- mutation updateCompany
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
  ORDER BY t3."id"), _now AS NOT MATERIALIZED (SELECT *
  FROM "workspace_0000000000000000"."company"
  WHERE id <> ALL(ARRAY(SELECT id
      FROM _changed)) UNION ALL
  SELECT t6.*
  FROM _changed t5, jsonb_populate_record(NULL::"workspace_0000000000000000"."company", to_jsonb(t5)) t6)
SELECT json_build_object('id', t7."id", 'people',
  (SELECT json_build_object('edges', coalesce(json_agg(json_build_object('node', json_build_object('id', t9."id", 'company',
              (SELECT json_build_object('industry', t10."industry")
                FROM _now t10
                WHERE t10."id" = t9."companyId" AND t10."deletedAt" IS NULL
                LIMIT 1)))
          ORDER BY t9."createdAt" ASC NULLS LAST, t9."id" ASC NULLS LAST), '[]'::json))
    FROM (SELECT t8.*
      FROM "workspace_0000000000000000"."person" t8
      WHERE t8."companyId" = t7."id" AND t8."deletedAt" IS NULL
      ORDER BY t8."createdAt" ASC NULLS LAST, t8."id" ASC NULLS LAST
      LIMIT $5::int) t9))::text
FROM _changed t7
LIMIT 1;
