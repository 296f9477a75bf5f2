-- query
SELECT json_build_object('people',
  (SELECT json_build_object('edges', coalesce(json_agg(json_build_object('node', json_build_object('id', t3."id"))
          ORDER BY t3."createdAt" ASC NULLS LAST, t3."id" ASC NULLS LAST), '[]'::json))
    FROM (SELECT t1.*
      FROM "workspace_0000000000000000"."person" t1
      WHERE (EXISTS (SELECT 1
          FROM "workspace_0000000000000000"."company" t2
          WHERE t2."id" = t1."companyId" AND t2."deletedAt" IS NULL AND t2."name" = $1) AND t1."nameFirstName" = $2 AND t1."deletedAt" IS NULL)
      ORDER BY t1."createdAt" ASC NULLS LAST, t1."id" ASC NULLS LAST
      LIMIT $3::int) t3))::text;
