-- query
SELECT json_build_object('companies',
  (SELECT json_build_object('edges', coalesce(json_agg(json_build_object('node', json_build_object('id', t2."id", 'name', t2."name", 'employees', t2."employees", 'industry', t2."industry", 'createdAt', to_char(t2."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))
          ORDER BY t2."createdAt" DESC NULLS FIRST, t2."id" DESC NULLS FIRST), '[]'::json))
    FROM (SELECT t1.*
      FROM "workspace_0000000000000000"."company" t1
      WHERE ((t1."industry" = $1 AND t1."employees" >= $2) AND (t1."name" = ANY($3) OR (NOT coalesce(t1."idealCustomerProfile" = $4, FALSE))) AND t1."deletedAt" IS NULL)
      ORDER BY t1."createdAt" DESC NULLS FIRST, t1."id" DESC NULLS FIRST
      LIMIT $5::int) t2))::text;
