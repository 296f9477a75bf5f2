-- query
SELECT json_build_object('companies',
  (SELECT json_build_object('totalCount',
      (SELECT count(*)
        FROM "workspace_0000000000000000"."company" t3
        WHERE t3."deletedAt" IS NULL), 'edges', coalesce(json_agg(json_build_object('cursor', translate(encode(convert_to(json_build_array(t2."createdAt", t2."id")::text, 'UTF8'), 'base64'), E'\n', ''), 'node', json_build_object('id', t2."id"))
          ORDER BY t2."createdAt" ASC NULLS LAST, t2."id" ASC NULLS LAST), '[]'::json))
    FROM (SELECT t1.*
      FROM "workspace_0000000000000000"."company" t1
      WHERE t1."deletedAt" IS NULL
      ORDER BY t1."createdAt" ASC NULLS LAST, t1."id" ASC NULLS LAST
      LIMIT $1::int) t2))::text;
