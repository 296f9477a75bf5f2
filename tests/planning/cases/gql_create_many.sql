-- mutation createCompanies
WITH _changed AS (INSERT INTO "workspace_0000000000000000"."company" ("idealCustomerProfile", "name", "industry", "id")
  SELECT t1.c_0, t1.c_1, t1.c_2, t1.c_3
  FROM unnest($1::boolean[], $2::text[], $3::text[], $4::uuid[]) AS t1(c_0, c_1, c_2, c_3)
  RETURNING *), _events AS (INSERT INTO "workspace_0000000000000000"."_event" (event, "objectName", "recordId", data)
  SELECT $5::text, $6::text, t2."id", json_build_object('id', t2."id", 'createdAt', to_char(t2."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'updatedAt', to_char(t2."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'deletedAt', to_char(t2."deletedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'position', t2."position", 'name', t2."name", 'domainName', t2."domainName", 'address', t2."address", 'employees', t2."employees", 'industry', t2."industry", 'linkedinLink', t2."linkedinLink", 'xLink', t2."xLink", 'annualRecurringRevenue', json_build_object('amountMicros', t2."annualRecurringRevenueAmountMicros", 'currencyCode', t2."annualRecurringRevenueCurrencyCode"), 'idealCustomerProfile', t2."idealCustomerProfile")::jsonb
  FROM _changed t2
  ORDER BY t2."id")
SELECT coalesce(json_agg(json_build_object('id', t3."id", 'name', t3."name")
    ORDER BY array_position($7::uuid[], t3."id")), '[]'::json)::text
FROM _changed t3;
