-- DELETE /rest/companies/0190f2a0-0000-7000-8000-000000000001
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
