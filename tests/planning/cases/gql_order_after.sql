-- query
SELECT json_build_object('companies',
  (SELECT json_build_object('edges', coalesce(json_agg(json_build_object('cursor', translate(encode(convert_to(json_build_array(t3."name", t3."id")::text, 'UTF8'), 'base64'), E'\n', ''), 'node', json_build_object('id', t3."id", 'name', t3."name"))
          ORDER BY t3._rn) FILTER (WHERE t3._rn <= $1::int), '[]'::json), 'pageInfo', json_build_object('hasNextPage', (count(*) > $1::int), 'endCursor', (array_agg(translate(encode(convert_to(json_build_array(t3."name", t3."id")::text, 'UTF8'), 'base64'), E'\n', '')
            ORDER BY t3._rn DESC) FILTER (WHERE t3._rn <= $1::int))[1]))
    FROM (SELECT t2.*, row_number() OVER (ORDER BY t2."name" ASC NULLS FIRST, t2."id" ASC NULLS LAST) AS _rn
      FROM (SELECT t1.*
        FROM "workspace_0000000000000000"."company" t1
        WHERE t1."deletedAt" IS NULL AND (((t1."name" > ($2::text[])[1]::text OR (($2::text[])[1]::text IS NULL AND t1."name" IS NOT NULL))) OR (t1."name" IS NOT DISTINCT
            FROM ($2::text[])[1]::text AND t1."id" > ($2::text[])[2]::uuid))
        ORDER BY t1."name" ASC NULLS FIRST, t1."id" ASC NULLS LAST
        LIMIT $1::int + 1) t2) t3))::text;
