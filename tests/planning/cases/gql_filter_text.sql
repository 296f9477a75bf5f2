-- query
SELECT json_build_object('companies',
  (SELECT json_build_object('edges', coalesce(json_agg(json_build_object('node', json_build_object('id', t2."id"))
          ORDER BY t2."createdAt" ASC NULLS LAST, t2."id" ASC NULLS LAST), '[]'::json))
    FROM (SELECT t1.*
      FROM "workspace_0000000000000000"."company" t1
      WHERE ((t1."name" <> $1 AND t1."name"::text LIKE $2::text AND t1."name"::text ILIKE $3::text AND t1."name" LIKE $4 AND t1."name" > $5 AND t1."name" < $6) AND t1."domainName" = $7 AND t1."address" IS NULL AND t1."industry" IS NOT NULL AND t1."deletedAt" IS NULL)
      ORDER BY t1."createdAt" ASC NULLS LAST, t1."id" ASC NULLS LAST
      LIMIT $8::int) t2))::text;
