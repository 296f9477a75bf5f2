-- query
SELECT json_build_object('company',
  (SELECT json_build_object('id', t1."id", 'name', t1."name", 'domainName', t1."domainName", 'employees', t1."employees", 'industry', t1."industry", 'createdAt', to_char(t1."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
    FROM "workspace_0000000000000000"."company" t1
    WHERE (t1."id" = $1 AND t1."deletedAt" IS NULL)
    ORDER BY t1."id"
    LIMIT 1))::text;
