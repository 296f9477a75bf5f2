-- query
SELECT json_build_object('companies',
  (SELECT json_build_object('edges', coalesce(json_agg(json_build_object('node', json_build_object('id', t3."id", 'createdAt', to_char(t3."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))
          ORDER BY t3._rn DESC) FILTER (WHERE t3._rn <= $1::int), '[]'::json), 'pageInfo', json_build_object('hasPreviousPage', (count(*) > $1::int), 'startCursor', (array_agg(translate(encode(convert_to(json_build_array(t3."createdAt", t3."id")::text, 'UTF8'), 'base64'), E'\n', '')
            ORDER BY t3._rn DESC) FILTER (WHERE t3._rn <= $1::int))[1]))
    FROM (SELECT t2.*, row_number() OVER (ORDER BY t2."createdAt" ASC NULLS LAST, t2."id" ASC NULLS LAST) AS _rn
      FROM (SELECT t1.*
        FROM "workspace_0000000000000000"."company" t1
        WHERE t1."deletedAt" IS NULL AND ((t1."createdAt", t1."id") > (($2::text[])[1]::timestamptz, ($2::text[])[2]::uuid))
        ORDER BY t1."createdAt" ASC NULLS LAST, t1."id" ASC NULLS LAST
        LIMIT $1::int + 1) t2) t3))::text;
