-- DELETE /rest/companies/0190f2a0-0000-7000-8000-000000000001
WITH _changed AS (DELETE
  FROM "workspace_0000000000000000"."company"
  WHERE id = ANY($1::uuid[])
  RETURNING *), _events AS (INSERT INTO "workspace_0000000000000000"."_event" (event, "objectName", "recordId", data)
  SELECT $2::text, $3::text, t1."id", json_build_object('id', t1."id", 'createdAt', to_char(t1."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'updatedAt', to_char(t1."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'deletedAt', to_char(t1."deletedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'position', t1."position", 'name', t1."name", 'domainName', t1."domainName", 'address', t1."address", 'employees', t1."employees", 'industry', t1."industry", 'linkedinLink', t1."linkedinLink", 'xLink', t1."xLink", 'annualRecurringRevenue', json_build_object('amountMicros', t1."annualRecurringRevenueAmountMicros", 'currencyCode', t1."annualRecurringRevenueCurrencyCode"), 'idealCustomerProfile', t1."idealCustomerProfile")::jsonb
  FROM _changed t1
  ORDER BY t1."id")
SELECT json_build_object('id', t2."id")::text
FROM _changed t2
LIMIT 1;
