-- POST /rest/companies
WITH _changed AS (INSERT INTO "workspace_0000000000000000"."company" ("idealCustomerProfile", "name", "employees", "domainName", "id")
  SELECT t1.c_0, t1.c_1, t1.c_2, t1.c_3, t1.c_4
  FROM unnest($1::boolean[], $2::text[], $3::double precision[], $4::text[], $5::uuid[]) AS t1(c_0, c_1, c_2, c_3, c_4)
  RETURNING *), _events AS (INSERT INTO "workspace_0000000000000000"."_event" (event, "objectName", "recordId", data)
  SELECT $6::text, $7::text, t2."id", json_build_object('id', t2."id", 'createdAt', to_char(t2."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'updatedAt', to_char(t2."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'deletedAt', to_char(t2."deletedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'position', t2."position", 'name', t2."name", 'domainName', t2."domainName", 'address', t2."address", 'employees', t2."employees", 'industry', t2."industry", 'linkedinLink', t2."linkedinLink", 'xLink', t2."xLink", 'annualRecurringRevenue', json_build_object('amountMicros', t2."annualRecurringRevenueAmountMicros", 'currencyCode', t2."annualRecurringRevenueCurrencyCode"), 'idealCustomerProfile', t2."idealCustomerProfile")::jsonb
  FROM _changed t2
  ORDER BY t2."id")
SELECT json_build_object('id', t3."id", 'createdAt', to_char(t3."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'updatedAt', to_char(t3."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'deletedAt', to_char(t3."deletedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'position', t3."position", 'name', t3."name", 'domainName', t3."domainName", 'address', t3."address", 'employees', t3."employees", 'industry', t3."industry", 'linkedinLink', t3."linkedinLink", 'xLink', t3."xLink", 'annualRecurringRevenue', json_build_object('amountMicros', t3."annualRecurringRevenueAmountMicros", 'currencyCode', t3."annualRecurringRevenueCurrencyCode"), 'idealCustomerProfile', t3."idealCustomerProfile")::text
FROM _changed t3
LIMIT 1;
