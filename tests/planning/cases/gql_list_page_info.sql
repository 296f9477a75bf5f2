-- query
SELECT json_build_object('companies',
  (SELECT json_build_object('totalCount',
      (SELECT count(*)
        FROM "workspace_0000000000000000"."company" t4
        WHERE t4."deletedAt" IS NULL), 'edges', coalesce(json_agg(json_build_object('cursor', translate(encode(convert_to(json_build_array(t3."createdAt", t3."id")::text, 'UTF8'), 'base64'), E'\n', ''), 'node', json_build_object('id', t3."id", 'name', t3."name"))
          ORDER BY t3._rn) FILTER (WHERE t3._rn <= $1::int), '[]'::json), 'pageInfo', json_build_object('hasNextPage', (count(*) > $1::int), 'hasPreviousPage', FALSE, 'startCursor', (array_agg(translate(encode(convert_to(json_build_array(t3."createdAt", t3."id")::text, 'UTF8'), 'base64'), E'\n', '')
            ORDER BY t3._rn) FILTER (WHERE t3._rn <= $1::int))[1], 'endCursor', (array_agg(translate(encode(convert_to(json_build_array(t3."createdAt", t3."id")::text, 'UTF8'), 'base64'), E'\n', '')
            ORDER BY t3._rn DESC) FILTER (WHERE t3._rn <= $1::int))[1]))
    FROM (SELECT t2.*, row_number() OVER (ORDER BY t2."createdAt" ASC NULLS LAST, t2."id" ASC NULLS LAST) AS _rn
      FROM (SELECT t1.*
        FROM "workspace_0000000000000000"."company" t1
        WHERE t1."deletedAt" IS NULL
        ORDER BY t1."createdAt" ASC NULLS LAST, t1."id" ASC NULLS LAST
        LIMIT $1::int + 1) t2) t3))::text;
