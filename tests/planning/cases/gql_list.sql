-- query
SELECT json_build_object('companies',
  (SELECT json_build_object('edges', coalesce(json_agg(json_build_object('node', json_build_object('id', t2."id", 'name', t2."name", 'createdAt', to_char(t2."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))
          ORDER BY t2."createdAt" ASC NULLS LAST, t2."id" ASC NULLS LAST), '[]'::json))
    FROM (SELECT t1.*
      FROM "workspace_0000000000000000"."company" t1
      WHERE t1."deletedAt" IS NULL
      ORDER BY t1."createdAt" ASC NULLS LAST, t1."id" ASC NULLS LAST
      LIMIT $1::int) t2))::text;
