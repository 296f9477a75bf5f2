-- query
SELECT json_build_object('opportunities',
  (SELECT json_build_object('edges', coalesce(json_agg(json_build_object('node', json_build_object('id', t2."id", 'name', t2."name", 'stage', t2."stage"))
          ORDER BY t2."createdAt" ASC NULLS LAST, t2."id" ASC NULLS LAST), '[]'::json))
    FROM (SELECT t1.*
      FROM "workspace_0000000000000000"."opportunity" t1
      WHERE (t1."id" <> $1 AND t1."createdAt" > $2 AND t1."companyId" = ANY($3) AND (t1."amountAmountMicros" > $4 AND t1."amountCurrencyCode" = $5) AND t1."stage" = ANY($6) AND (t1."probability" >= $7 AND t1."probability" < $8) AND t1."closeDate" <= $9 AND t1."deletedAt" IS NULL)
      ORDER BY t1."createdAt" ASC NULLS LAST, t1."id" ASC NULLS LAST
      LIMIT $10::int) t2))::text;
