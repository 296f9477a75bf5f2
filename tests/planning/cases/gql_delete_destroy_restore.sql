-- mutation deleteCompany
WITH _old AS (SELECT *
  FROM "workspace_0000000000000000"."company" t1
  WHERE t1."id" = ANY($1::uuid[]) AND t1."deletedAt" IS NULL
  ORDER BY t1."id" FOR UPDATE), _changed AS (UPDATE "workspace_0000000000000000"."company" t2
  SET "deletedAt" = now()
  FROM _old
  WHERE t2."id" = _old.id
  RETURNING t2.*), _events AS (INSERT INTO "workspace_0000000000000000"."_event" (event, "objectName", "recordId", data)
  SELECT $2::text, $3::text, t3."id", json_build_object('id', t3."id", 'createdAt', to_char(t3."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'updatedAt', to_char(t3."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'deletedAt', to_char(t3."deletedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'position', t3."position", 'name', t3."name", 'domainName', t3."domainName", 'address', t3."address", 'employees', t3."employees", 'industry', t3."industry", 'linkedinLink', t3."linkedinLink", 'xLink', t3."xLink", 'annualRecurringRevenue', json_build_object('amountMicros', t3."annualRecurringRevenueAmountMicros", 'currencyCode', t3."annualRecurringRevenueCurrencyCode"), 'idealCustomerProfile', t3."idealCustomerProfile")::jsonb
  FROM _changed t3
  ORDER BY t3."id")
SELECT json_build_object('id', t4."id", 'deletedAt', to_char(t4."deletedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))::text
FROM _changed t4
LIMIT 1;

-- mutation restoreCompany
WITH _old AS (SELECT *
  FROM "workspace_0000000000000000"."company" t1
  WHERE t1."id" = ANY($1::uuid[]) AND t1."deletedAt" IS NOT NULL
  ORDER BY t1."id" FOR UPDATE), _changed AS (UPDATE "workspace_0000000000000000"."company" t2
  SET "deletedAt" = NULL
  FROM _old
  WHERE t2."id" = _old.id
  RETURNING t2.*), _events AS (INSERT INTO "workspace_0000000000000000"."_event" (event, "objectName", "recordId", data)
  SELECT $2::text, $3::text, t3."id", json_build_object('id', t3."id", 'createdAt', to_char(t3."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'updatedAt', to_char(t3."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'deletedAt', to_char(t3."deletedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'position', t3."position", 'name', t3."name", 'domainName', t3."domainName", 'address', t3."address", 'employees', t3."employees", 'industry', t3."industry", 'linkedinLink', t3."linkedinLink", 'xLink', t3."xLink", 'annualRecurringRevenue', json_build_object('amountMicros', t3."annualRecurringRevenueAmountMicros", 'currencyCode', t3."annualRecurringRevenueCurrencyCode"), 'idealCustomerProfile', t3."idealCustomerProfile")::jsonb
  FROM _changed t3
  ORDER BY t3."id")
SELECT json_build_object('id', t4."id")::text
FROM _changed t4
LIMIT 1;

-- mutation destroyCompany
WITH _changed AS (DELETE
  FROM "workspace_0000000000000000"."company" t1
  WHERE t1."id" = ANY($1::uuid[])
  RETURNING t1.*), _events AS (INSERT INTO "workspace_0000000000000000"."_event" (event, "objectName", "recordId", data)
  SELECT $2::text, $3::text, t2."id", json_build_object('id', t2."id", 'createdAt', to_char(t2."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'updatedAt', to_char(t2."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'deletedAt', to_char(t2."deletedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'position', t2."position", 'name', t2."name", 'domainName', t2."domainName", 'address', t2."address", 'employees', t2."employees", 'industry', t2."industry", 'linkedinLink', t2."linkedinLink", 'xLink', t2."xLink", 'annualRecurringRevenue', json_build_object('amountMicros', t2."annualRecurringRevenueAmountMicros", 'currencyCode', t2."annualRecurringRevenueCurrencyCode"), 'idealCustomerProfile', t2."idealCustomerProfile")::jsonb
  FROM _changed t2
  ORDER BY t2."id")
SELECT json_build_object('id', t3."id")::text
FROM _changed t3
LIMIT 1;

-- mutation deleteCompanies
WITH _old AS (SELECT *
  FROM "workspace_0000000000000000"."company" t1
  WHERE t1."id" = ANY($1::uuid[]) AND t1."deletedAt" IS NULL
  ORDER BY t1."id" FOR UPDATE), _changed AS (UPDATE "workspace_0000000000000000"."company" t2
  SET "deletedAt" = now()
  FROM _old
  WHERE t2."id" = _old.id
  RETURNING t2.*), _events AS (INSERT INTO "workspace_0000000000000000"."_event" (event, "objectName", "recordId", data)
  SELECT $2::text, $3::text, t3."id", json_build_object('id', t3."id", 'createdAt', to_char(t3."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'updatedAt', to_char(t3."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'deletedAt', to_char(t3."deletedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'position', t3."position", 'name', t3."name", 'domainName', t3."domainName", 'address', t3."address", 'employees', t3."employees", 'industry', t3."industry", 'linkedinLink', t3."linkedinLink", 'xLink', t3."xLink", 'annualRecurringRevenue', json_build_object('amountMicros', t3."annualRecurringRevenueAmountMicros", 'currencyCode', t3."annualRecurringRevenueCurrencyCode"), 'idealCustomerProfile', t3."idealCustomerProfile")::jsonb
  FROM _changed t3
  ORDER BY t3."id")
SELECT coalesce(json_agg(json_build_object('id', t4."id")
    ORDER BY array_position($4::uuid[], t4."id")), '[]'::json)::text
FROM _changed t4;
