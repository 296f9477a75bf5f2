-- GET /rest/companies
SELECT (SELECT json_build_object('data', coalesce(json_agg(json_build_object('id', t3."id", 'createdAt', to_char(t3."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'updatedAt', to_char(t3."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'deletedAt', to_char(t3."deletedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'position', t3."position", 'name', t3."name", 'domainName', t3."domainName", 'address', t3."address", 'employees', t3."employees", 'industry', t3."industry", 'linkedinLink', t3."linkedinLink", 'xLink', t3."xLink", 'annualRecurringRevenue', json_build_object('amountMicros', t3."annualRecurringRevenueAmountMicros", 'currencyCode', t3."annualRecurringRevenueCurrencyCode"), 'idealCustomerProfile', t3."idealCustomerProfile")
        ORDER BY t3._rn) FILTER (WHERE t3._rn <= $1::int), '[]'::json), 'meta', json_build_object('totalCount', (CASE WHEN count(*) <= $1::int AND (count(*) > 0 OR $2::bigint = 0) THEN $2::bigint + count(*) ELSE (SELECT count(*)
          FROM "workspace_0000000000000000"."company" t4
          WHERE t4."deletedAt" IS NULL) END), 'hasMore', (count(*) > $1::int), 'startCursor', (array_agg(translate(encode(convert_to(json_build_array(t3."name", t3."id")::text, 'UTF8'), 'base64'), E'\n', '')
          ORDER BY t3._rn) FILTER (WHERE t3._rn <= $1::int))[1], 'endCursor', (array_agg(translate(encode(convert_to(json_build_array(t3."name", t3."id")::text, 'UTF8'), 'base64'), E'\n', '')
          ORDER BY t3._rn DESC) FILTER (WHERE t3._rn <= $1::int))[1]))
  FROM (SELECT t2.*, row_number() OVER (ORDER BY t2."name" ASC NULLS FIRST, t2."id" ASC NULLS LAST) AS _rn
    FROM (SELECT t1.*
      FROM "workspace_0000000000000000"."company" t1
      WHERE t1."deletedAt" IS NULL
      ORDER BY t1."name" ASC NULLS FIRST, t1."id" ASC NULLS LAST
      OFFSET $2::bigint
      LIMIT $1::int + 1) t2) t3)::text;
