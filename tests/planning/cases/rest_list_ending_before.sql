-- GET /rest/companies
SELECT (SELECT json_build_object('data', t5.data, 'meta', t5.meta, 'pageInfo', json_build_object('hasNextPage', TRUE, 'hasPreviousPage', (t5.meta->'hasMore'), 'startCursor', t5.meta->'startCursor', 'endCursor', t5.meta->'endCursor'), 'totalCount', t5.meta->'totalCount')
  FROM (SELECT coalesce(json_agg(json_build_object('id', t3."id", 'createdAt', to_char(t3."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'updatedAt', to_char(t3."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'deletedAt', to_char(t3."deletedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'position', t3."position", 'name', t3."name", 'domainName', t3."domainName", 'address', t3."address", 'employees', t3."employees", 'industry', t3."industry", 'linkedinLink', t3."linkedinLink", 'xLink', t3."xLink", 'annualRecurringRevenue', json_build_object('amountMicros', t3."annualRecurringRevenueAmountMicros", 'currencyCode', t3."annualRecurringRevenueCurrencyCode"), 'idealCustomerProfile', t3."idealCustomerProfile")
        ORDER BY t3._rn DESC) FILTER (WHERE t3._rn <= $1::int), '[]'::json) AS data, json_build_object('totalCount',
      (SELECT count(*)
        FROM "workspace_0000000000000000"."company" t4
        WHERE t4."deletedAt" IS NULL), 'hasMore', (count(*) > $1::int), 'startCursor', (array_agg(translate(encode(convert_to(json_build_array(t3."createdAt", t3."id")::text, 'UTF8'), 'base64'), E'\n', '')
          ORDER BY t3._rn DESC) FILTER (WHERE t3._rn <= $1::int))[1], 'endCursor', (array_agg(translate(encode(convert_to(json_build_array(t3."createdAt", t3."id")::text, 'UTF8'), 'base64'), E'\n', '')
          ORDER BY t3._rn) FILTER (WHERE t3._rn <= $1::int))[1]) AS meta
    FROM (SELECT t2.*, row_number() OVER (ORDER BY t2."createdAt" ASC NULLS LAST, t2."id" ASC NULLS LAST) AS _rn
      FROM (SELECT t1.*
        FROM "workspace_0000000000000000"."company" t1
        WHERE t1."deletedAt" IS NULL AND ((t1."createdAt", t1."id") > (($2::text[])[1]::timestamptz, ($2::text[])[2]::uuid))
        ORDER BY t1."createdAt" ASC NULLS LAST, t1."id" ASC NULLS LAST
        OFFSET $3::bigint
        LIMIT $1::int + 1) t2) t3) t5)::text;
