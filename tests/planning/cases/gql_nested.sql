-- query
SELECT json_build_object('people',
  (SELECT json_build_object('edges', coalesce(json_agg(json_build_object('node', json_build_object('id', t2."id", 'name', json_build_object('firstName', t2."nameFirstName", 'lastName', t2."nameLastName"), 'company',
              (SELECT json_build_object('id', t3."id", 'name', t3."name", 'annualRecurringRevenue', json_build_object('amountMicros', t3."annualRecurringRevenueAmountMicros", 'currencyCode', t3."annualRecurringRevenueCurrencyCode"))
                FROM "workspace_0000000000000000"."company" t3
                WHERE t3."id" = t2."companyId" AND t3."deletedAt" IS NULL
                LIMIT 1)))
          ORDER BY t2."createdAt" ASC NULLS LAST, t2."id" ASC NULLS LAST), '[]'::json))
    FROM (SELECT t1.*
      FROM "workspace_0000000000000000"."person" t1
      WHERE t1."deletedAt" IS NULL
      ORDER BY t1."createdAt" ASC NULLS LAST, t1."id" ASC NULLS LAST
      LIMIT $1::int) t2), 'companies',
  (SELECT json_build_object('edges', coalesce(json_agg(json_build_object('node', json_build_object('id', t5."id", 'name', t5."name", 'people',
              (SELECT json_build_object('totalCount',
                  (SELECT count(*)
                    FROM "workspace_0000000000000000"."person" t8
                    WHERE t8."companyId" = t5."id" AND t8."deletedAt" IS NULL), 'edges', coalesce(json_agg(json_build_object('node', json_build_object('id', t7."id", 'email', t7."email"))
                      ORDER BY t7."createdAt" ASC NULLS LAST, t7."id" ASC NULLS LAST), '[]'::json))
                FROM (SELECT t6.*
                  FROM "workspace_0000000000000000"."person" t6
                  WHERE t6."companyId" = t5."id" AND t6."deletedAt" IS NULL
                  ORDER BY t6."createdAt" ASC NULLS LAST, t6."id" ASC NULLS LAST
                  LIMIT $2::int) t7)))
          ORDER BY t5."createdAt" ASC NULLS LAST, t5."id" ASC NULLS LAST), '[]'::json))
    FROM (SELECT t4.*
      FROM "workspace_0000000000000000"."company" t4
      WHERE t4."deletedAt" IS NULL
      ORDER BY t4."createdAt" ASC NULLS LAST, t4."id" ASC NULLS LAST
      LIMIT $3::int) t5))::text;
