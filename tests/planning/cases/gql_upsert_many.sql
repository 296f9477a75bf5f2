-- mutation createCompanies
WITH _match AS (SELECT t2."n", coalesce((SELECT DISTINCT t3."id"
      FROM "workspace_0000000000000000"."company" t3
      WHERE t3."id" = t2."id"), t2."id") AS id
  FROM unnest($1::uuid[]) WITH ORDINALITY AS t2(id, n)), _old AS (SELECT *
  FROM "workspace_0000000000000000"."company" t1
  WHERE t1."id" IN (SELECT id
    FROM _match)), _u0 AS (INSERT INTO "workspace_0000000000000000"."company" AS t0 ("idealCustomerProfile", "id", "name", "industry")
  SELECT t4.c_0, t5."id", t4.c_2, t4.c_3
  FROM unnest($2::boolean[], $3::text[], $4::text[], $5::bigint[]) AS t4(c_0, c_2, c_3, n)
  JOIN _match t5 ON t5."n" = t4."n"
  WHERE (SELECT 1
    FROM _match a
    JOIN _match b ON a.id = b.id AND a.n <> b.n) IS NULL ON CONFLICT (id) DO
  UPDATE
  SET "name" = EXCLUDED."name", "updatedAt" = now(), "deletedAt" = NULL
  RETURNING t0.*, (t0.xmax = 0) AS _inserted), _u1 AS (INSERT INTO "workspace_0000000000000000"."company" AS t0 ("idealCustomerProfile", "id", "name", "industry")
  SELECT t6.c_0, t7."id", t6.c_2, t6.c_3
  FROM unnest($6::boolean[], $7::text[], $8::text[], $9::bigint[]) AS t6(c_0, c_2, c_3, n)
  JOIN _match t7 ON t7."n" = t6."n"
  WHERE (SELECT 1
    FROM _match a
    JOIN _match b ON a.id = b.id AND a.n <> b.n) IS NULL ON CONFLICT (id) DO
  UPDATE
  SET "name" = EXCLUDED."name", "industry" = EXCLUDED."industry", "updatedAt" = now(), "deletedAt" = NULL
  RETURNING t0.*, (t0.xmax = 0) AS _inserted), _changed AS (SELECT *
  FROM _u0 UNION ALL
  SELECT *
  FROM _u1), _events AS (INSERT INTO "workspace_0000000000000000"."_event" (event, "objectName", "recordId", data, before)
  SELECT CASE WHEN t8."_inserted" THEN $10::text ELSE $11::text END, $12::text, t8."id", json_build_object('id', t8."id", 'createdAt', to_char(t8."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'updatedAt', to_char(t8."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'deletedAt', to_char(t8."deletedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'position', t8."position", 'name', t8."name", 'domainName', t8."domainName", 'address', t8."address", 'employees', t8."employees", 'industry', t8."industry", 'linkedinLink', t8."linkedinLink", 'xLink', t8."xLink", 'annualRecurringRevenue', json_build_object('amountMicros', t8."annualRecurringRevenueAmountMicros", 'currencyCode', t8."annualRecurringRevenueCurrencyCode"), 'idealCustomerProfile', t8."idealCustomerProfile")::jsonb, CASE WHEN t9."id" IS NULL THEN NULL ELSE json_build_object('id', t9."id", 'createdAt', to_char(t9."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'updatedAt', to_char(t9."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'deletedAt', to_char(t9."deletedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'position', t9."position", 'name', t9."name", 'domainName', t9."domainName", 'address', t9."address", 'employees', t9."employees", 'industry', t9."industry", 'linkedinLink', t9."linkedinLink", 'xLink', t9."xLink", 'annualRecurringRevenue', json_build_object('amountMicros', t9."annualRecurringRevenueAmountMicros", 'currencyCode', t9."annualRecurringRevenueCurrencyCode"), 'idealCustomerProfile', t9."idealCustomerProfile")::jsonb END
  FROM _changed t8 LEFT
  JOIN _old t9 ON t9."id" = t8."id"
  ORDER BY t8."id")
SELECT coalesce(json_agg(json_build_object('id', t10."id", 'name', t10."name")
    ORDER BY (SELECT n
      FROM _match
      WHERE _match.id = t10."id")), '[]'::json)::text
FROM _changed t10;
