-- query
SELECT json_build_object('newest',
  (SELECT json_build_object('edges', coalesce(json_agg(json_build_object('node', json_build_object('id', t2."id"))
          ORDER BY t2."createdAt" DESC NULLS FIRST, t2."id" DESC NULLS FIRST), '[]'::json))
    FROM (SELECT t1.*
      FROM "workspace_0000000000000000"."company" t1
      WHERE t1."deletedAt" IS NULL
      ORDER BY t1."createdAt" DESC NULLS FIRST, t1."id" DESC NULLS FIRST
      LIMIT $1::int) t2), 'oldest',
  (SELECT json_build_object('edges', coalesce(json_agg(json_build_object('node', json_build_object('id', t4."id"))
          ORDER BY t4."createdAt" DESC NULLS FIRST, t4."id" DESC NULLS FIRST), '[]'::json))
    FROM (SELECT t3.*
      FROM "workspace_0000000000000000"."company" t3
      WHERE t3."deletedAt" IS NULL
      ORDER BY t3."createdAt" ASC NULLS LAST, t3."id" ASC NULLS LAST
      LIMIT $2::int) t4))::text;
