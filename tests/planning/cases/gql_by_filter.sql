-- mutation updateCompanies: the ids it matches
SELECT (SELECT coalesce(json_agg(t2."id"
      ORDER BY t2."id"), '[]'::json)
  FROM (SELECT t1."id"
    FROM "workspace_0000000000000000"."company" t1
    WHERE ((t1."employees" >= $1 AND t1."industry" = $2) AND t1."deletedAt" IS NULL)
    ORDER BY t1."id"
    LIMIT $3::int) t2)::text;

-- mutation updateCompanies
WITH _old AS (SELECT *
  FROM "workspace_0000000000000000"."company" t1
  WHERE t1."id" = ANY($1::uuid[]) AND t1."deletedAt" IS NULL AND ((t1."employees" >= $2 AND t1."industry" = $3) AND t1."deletedAt" IS NULL)
  ORDER BY t1."id" FOR UPDATE), _changed AS (UPDATE "workspace_0000000000000000"."company" t2
  SET "idealCustomerProfile" = $4::boolean, "updatedAt" = now()
  FROM _old
  WHERE t2."id" = _old.id
  RETURNING t2.*), _events AS (INSERT INTO "workspace_0000000000000000"."_event" (event, "objectName", "recordId", data, before)
  SELECT $5::text, $6::text, t3."id", json_build_object('id', t3."id", 'createdAt', to_char(t3."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'updatedAt', to_char(t3."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'deletedAt', to_char(t3."deletedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'position', t3."position", 'name', t3."name", 'domainName', t3."domainName", 'address', t3."address", 'employees', t3."employees", 'industry', t3."industry", 'linkedinLink', t3."linkedinLink", 'xLink', t3."xLink", 'annualRecurringRevenue', json_build_object('amountMicros', t3."annualRecurringRevenueAmountMicros", 'currencyCode', t3."annualRecurringRevenueCurrencyCode"), 'idealCustomerProfile', t3."idealCustomerProfile")::jsonb, json_build_object('id', t4."id", 'createdAt', to_char(t4."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'updatedAt', to_char(t4."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'deletedAt', to_char(t4."deletedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'position', t4."position", 'name', t4."name", 'domainName', t4."domainName", 'address', t4."address", 'employees', t4."employees", 'industry', t4."industry", 'linkedinLink', t4."linkedinLink", 'xLink', t4."xLink", 'annualRecurringRevenue', json_build_object('amountMicros', t4."annualRecurringRevenueAmountMicros", 'currencyCode', t4."annualRecurringRevenueCurrencyCode"), 'idealCustomerProfile', t4."idealCustomerProfile")::jsonb
  FROM _changed t3
  JOIN _old t4 ON t4."id" = t3."id"
  ORDER BY t3."id")
SELECT coalesce(json_agg(json_build_object('id', t5."id", 'idealCustomerProfile', t5."idealCustomerProfile")
    ORDER BY array_position($7::uuid[], t5."id")), '[]'::json)::text
FROM _changed t5;

-- mutation deleteCompanies: the ids it matches
SELECT (SELECT coalesce(json_agg(t2."id"
      ORDER BY t2."id"), '[]'::json)
  FROM (SELECT t1."id"
    FROM "workspace_0000000000000000"."company" t1
    WHERE (t1."industry" = $1 AND t1."deletedAt" IS NULL)
    ORDER BY t1."id"
    LIMIT $2::int) t2)::text;

-- mutation deleteCompanies
WITH _old AS (SELECT *
  FROM "workspace_0000000000000000"."company" t1
  WHERE t1."id" = ANY($1::uuid[]) AND t1."deletedAt" IS NULL AND (t1."industry" = $2 AND t1."deletedAt" IS NULL)
  ORDER BY t1."id" FOR UPDATE), _changed AS (UPDATE "workspace_0000000000000000"."company" t2
  SET "deletedAt" = now()
  FROM _old
  WHERE t2."id" = _old.id
  RETURNING t2.*), _events AS (INSERT INTO "workspace_0000000000000000"."_event" (event, "objectName", "recordId", data)
  SELECT $3::text, $4::text, t3."id", json_build_object('id', t3."id", 'createdAt', to_char(t3."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'updatedAt', to_char(t3."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'deletedAt', to_char(t3."deletedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'position', t3."position", 'name', t3."name", 'domainName', t3."domainName", 'address', t3."address", 'employees', t3."employees", 'industry', t3."industry", 'linkedinLink', t3."linkedinLink", 'xLink', t3."xLink", 'annualRecurringRevenue', json_build_object('amountMicros', t3."annualRecurringRevenueAmountMicros", 'currencyCode', t3."annualRecurringRevenueCurrencyCode"), 'idealCustomerProfile', t3."idealCustomerProfile")::jsonb
  FROM _changed t3
  ORDER BY t3."id")
SELECT coalesce(json_agg(json_build_object('id', t4."id")
    ORDER BY array_position($5::uuid[], t4."id")), '[]'::json)::text
FROM _changed t4;

-- mutation restoreCompanies: the ids it matches
SELECT (SELECT coalesce(json_agg(t2."id"
      ORDER BY t2."id"), '[]'::json)
  FROM (SELECT t1."id"
    FROM "workspace_0000000000000000"."company" t1
    WHERE (t1."industry" = $1 AND t1."deletedAt" IS NOT NULL)
    ORDER BY t1."id"
    LIMIT $2::int) t2)::text;

-- mutation restoreCompanies
WITH _old AS (SELECT *
  FROM "workspace_0000000000000000"."company" t1
  WHERE t1."id" = ANY($1::uuid[]) AND t1."deletedAt" IS NOT NULL AND (t1."industry" = $2 AND t1."deletedAt" IS NOT NULL)
  ORDER BY t1."id" FOR UPDATE), _changed AS (UPDATE "workspace_0000000000000000"."company" t2
  SET "deletedAt" = NULL
  FROM _old
  WHERE t2."id" = _old.id
  RETURNING t2.*), _events AS (INSERT INTO "workspace_0000000000000000"."_event" (event, "objectName", "recordId", data)
  SELECT $3::text, $4::text, t3."id", json_build_object('id', t3."id", 'createdAt', to_char(t3."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'updatedAt', to_char(t3."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'deletedAt', to_char(t3."deletedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'position', t3."position", 'name', t3."name", 'domainName', t3."domainName", 'address', t3."address", 'employees', t3."employees", 'industry', t3."industry", 'linkedinLink', t3."linkedinLink", 'xLink', t3."xLink", 'annualRecurringRevenue', json_build_object('amountMicros', t3."annualRecurringRevenueAmountMicros", 'currencyCode', t3."annualRecurringRevenueCurrencyCode"), 'idealCustomerProfile', t3."idealCustomerProfile")::jsonb
  FROM _changed t3
  ORDER BY t3."id")
SELECT coalesce(json_agg(json_build_object('id', t4."id")
    ORDER BY array_position($5::uuid[], t4."id")), '[]'::json)::text
FROM _changed t4;

-- mutation destroyCompanies: the ids it matches
SELECT (SELECT coalesce(json_agg(t2."id"
      ORDER BY t2."id"), '[]'::json)
  FROM (SELECT t1."id"
    FROM "workspace_0000000000000000"."company" t1
    WHERE (t1."deletedAt" IS NOT NULL AND t1."industry" = $1)
    ORDER BY t1."id"
    LIMIT $2::int) t2)::text;

-- mutation destroyCompanies
WITH _changed AS (DELETE
  FROM "workspace_0000000000000000"."company" t1
  WHERE t1."id" = ANY($1::uuid[]) AND (t1."deletedAt" IS NOT NULL AND t1."industry" = $2)
  RETURNING t1.*), _events AS (INSERT INTO "workspace_0000000000000000"."_event" (event, "objectName", "recordId", data)
  SELECT $3::text, $4::text, t2."id", json_build_object('id', t2."id", 'createdAt', to_char(t2."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'updatedAt', to_char(t2."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'deletedAt', to_char(t2."deletedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'position', t2."position", 'name', t2."name", 'domainName', t2."domainName", 'address', t2."address", 'employees', t2."employees", 'industry', t2."industry", 'linkedinLink', t2."linkedinLink", 'xLink', t2."xLink", 'annualRecurringRevenue', json_build_object('amountMicros', t2."annualRecurringRevenueAmountMicros", 'currencyCode', t2."annualRecurringRevenueCurrencyCode"), 'idealCustomerProfile', t2."idealCustomerProfile")::jsonb
  FROM _changed t2
  ORDER BY t2."id")
SELECT coalesce(json_agg(json_build_object('id', t3."id")
    ORDER BY array_position($5::uuid[], t3."id")), '[]'::json)::text
FROM _changed t3;
