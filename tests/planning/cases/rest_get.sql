-- GET /rest/companies/0190f2a0-0000-7000-8000-000000000001
SELECT (SELECT json_build_object('data', json_build_object('id', t1."id", 'createdAt', to_char(t1."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'updatedAt', to_char(t1."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'deletedAt', to_char(t1."deletedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'position', t1."position", 'name', t1."name", 'domainName', t1."domainName", 'address', t1."address", 'employees', t1."employees", 'industry', t1."industry", 'linkedinLink', t1."linkedinLink", 'xLink', t1."xLink", 'annualRecurringRevenue', json_build_object('amountMicros', t1."annualRecurringRevenueAmountMicros", 'currencyCode', t1."annualRecurringRevenueCurrencyCode"), 'idealCustomerProfile', t1."idealCustomerProfile"))
  FROM "workspace_0000000000000000"."company" t1
  WHERE (t1."id" = $1 AND t1."deletedAt" IS NULL)
  ORDER BY t1."id"
  LIMIT 1)::text;
