-- GET /rest/companies
SELECT (SELECT json_build_object('data', t5.data, 'meta', t5.meta, 'pageInfo', json_build_object('hasNextPage', (t5.meta->'hasMore'), 'hasPreviousPage', ($1::bigint > 0), 'startCursor', t5.meta->'startCursor', 'endCursor', t5.meta->'endCursor'), 'totalCount', t5.meta->'totalCount')
  FROM (SELECT coalesce(json_agg(json_build_object('id', t3."id", 'createdAt', to_char(t3."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'updatedAt', to_char(t3."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'deletedAt', to_char(t3."deletedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'position', t3."position", 'name', t3."name", 'domainName', t3."domainName", 'address', t3."address", 'employees', t3."employees", 'industry', t3."industry", 'linkedinLink', t3."linkedinLink", 'xLink', t3."xLink", 'annualRecurringRevenue', json_build_object('amountMicros', t3."annualRecurringRevenueAmountMicros", 'currencyCode', t3."annualRecurringRevenueCurrencyCode"), 'idealCustomerProfile', t3."idealCustomerProfile")
        ORDER BY t3._rn) FILTER (WHERE t3._rn <= $2::int), '[]'::json) AS data, json_build_object('totalCount', (CASE WHEN count(*) <= $2::int AND (count(*) > 0 OR $1::bigint = 0) THEN $1::bigint + count(*) ELSE (SELECT count(*)
          FROM "workspace_0000000000000000"."company" t4
          WHERE (t4."industry" = $3 AND t4."employees" >= $4 AND (t4."name"::text LIKE $5::text OR t4."name" LIKE $6) AND t4."deletedAt" IS NULL)) END), 'hasMore', (count(*) > $2::int), 'startCursor', (array_agg(translate(encode(convert_to(json_build_array(t3."createdAt", t3."id")::text, 'UTF8'), 'base64'), E'\n', '')
          ORDER BY t3._rn) FILTER (WHERE t3._rn <= $2::int))[1], 'endCursor', (array_agg(translate(encode(convert_to(json_build_array(t3."createdAt", t3."id")::text, 'UTF8'), 'base64'), E'\n', '')
          ORDER BY t3._rn DESC) FILTER (WHERE t3._rn <= $2::int))[1]) AS meta
    FROM (SELECT t2.*, row_number() OVER (ORDER BY t2."createdAt" ASC NULLS LAST, t2."id" ASC NULLS LAST) AS _rn
      FROM (SELECT t1.*
        FROM "workspace_0000000000000000"."company" t1
        WHERE (t1."industry" = $3 AND t1."employees" >= $4 AND (t1."name"::text LIKE $5::text OR t1."name" LIKE $6) AND t1."deletedAt" IS NULL)
        ORDER BY t1."createdAt" ASC NULLS LAST, t1."id" ASC NULLS LAST
        OFFSET $1::bigint
        LIMIT $2::int + 1) t2) t3) t5)::text;
