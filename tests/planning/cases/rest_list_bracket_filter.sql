-- GET /rest/people
SELECT (SELECT json_build_object('data', t14.data, 'meta', t14.meta, 'pageInfo', json_build_object('hasNextPage', (t14.meta->'hasMore'), 'hasPreviousPage', ($1::bigint > 0), 'startCursor', t14.meta->'startCursor', 'endCursor', t14.meta->'endCursor'), 'totalCount', t14.meta->'totalCount')
  FROM (SELECT coalesce(json_agg(json_build_object('id', t4."id", 'createdAt', to_char(t4."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'updatedAt', to_char(t4."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'deletedAt', to_char(t4."deletedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'position', t4."position", 'companyId', t4."companyId", 'name', json_build_object('firstName', t4."nameFirstName", 'lastName', t4."nameLastName"), 'email', t4."email", 'phone', t4."phone", 'city', t4."city", 'jobTitle', t4."jobTitle", 'linkedinLink', t4."linkedinLink", 'xLink', t4."xLink", 'avatarUrl', t4."avatarUrl", 'company',
          (SELECT json_build_object('id', t7."id", 'createdAt', to_char(t7."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'updatedAt', to_char(t7."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'deletedAt', to_char(t7."deletedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'position', t7."position", 'name', t7."name", 'domainName', t7."domainName", 'address', t7."address", 'employees', t7."employees", 'industry', t7."industry", 'linkedinLink', t7."linkedinLink", 'xLink', t7."xLink", 'annualRecurringRevenue', json_build_object('amountMicros', t7."annualRecurringRevenueAmountMicros", 'currencyCode', t7."annualRecurringRevenueCurrencyCode"), 'idealCustomerProfile', t7."idealCustomerProfile")
            FROM "workspace_0000000000000000"."company" t7
            WHERE t7."id" = t4."companyId" AND t7."deletedAt" IS NULL
            LIMIT 1), 'noteTargets',
          (SELECT coalesce(json_agg(json_build_object('id', t9."id", 'createdAt', to_char(t9."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'updatedAt', to_char(t9."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'deletedAt', to_char(t9."deletedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'position', t9."position", 'companyId', t9."companyId", 'noteId', t9."noteId", 'opportunityId', t9."opportunityId", 'personId', t9."personId")
                ORDER BY t9."createdAt" ASC, t9."id" ASC), '[]'::json)
            FROM (SELECT t8.*
              FROM "workspace_0000000000000000"."noteTarget" t8
              WHERE t8."personId" = t4."id" AND t8."deletedAt" IS NULL
              ORDER BY t8."createdAt" ASC, t8."id" ASC
              LIMIT $2::int) t9), 'opportunities',
          (SELECT coalesce(json_agg(json_build_object('id', t11."id", 'createdAt', to_char(t11."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'updatedAt', to_char(t11."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'deletedAt', to_char(t11."deletedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'position', t11."position", 'companyId', t11."companyId", 'name', t11."name", 'pointOfContactId', t11."pointOfContactId", 'amount', json_build_object('amountMicros', t11."amountAmountMicros", 'currencyCode', t11."amountCurrencyCode"), 'stage', t11."stage", 'probability', t11."probability", 'closeDate', t11."closeDate")
                ORDER BY t11."createdAt" ASC, t11."id" ASC), '[]'::json)
            FROM (SELECT t10.*
              FROM "workspace_0000000000000000"."opportunity" t10
              WHERE t10."pointOfContactId" = t4."id" AND t10."deletedAt" IS NULL
              ORDER BY t10."createdAt" ASC, t10."id" ASC
              LIMIT $3::int) t11), 'taskTargets',
          (SELECT coalesce(json_agg(json_build_object('id', t13."id", 'createdAt', to_char(t13."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'updatedAt', to_char(t13."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'deletedAt', to_char(t13."deletedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'position', t13."position", 'companyId', t13."companyId", 'opportunityId', t13."opportunityId", 'personId', t13."personId", 'taskId', t13."taskId")
                ORDER BY t13."createdAt" ASC, t13."id" ASC), '[]'::json)
            FROM (SELECT t12.*
              FROM "workspace_0000000000000000"."taskTarget" t12
              WHERE t12."personId" = t4."id" AND t12."deletedAt" IS NULL
              ORDER BY t12."createdAt" ASC, t12."id" ASC
              LIMIT $4::int) t13))
        ORDER BY t4._rn) FILTER (WHERE t4._rn <= $5::int), '[]'::json) AS data, json_build_object('totalCount', (CASE WHEN count(*) <= $5::int AND (count(*) > 0 OR $1::bigint = 0) THEN $1::bigint + count(*) ELSE (SELECT count(*)
          FROM "workspace_0000000000000000"."person" t5
          WHERE (EXISTS (SELECT 1
              FROM "workspace_0000000000000000"."company" t6
              WHERE t6."id" = t5."companyId" AND t6."deletedAt" IS NULL AND t6."name" = $6) AND t5."city" = ANY($7) AND t5."email"::text LIKE $8::text AND t5."deletedAt" IS NULL)) END), 'hasMore', (count(*) > $5::int), 'startCursor', (array_agg(translate(encode(convert_to(json_build_array(t4."createdAt", t4."id")::text, 'UTF8'), 'base64'), E'\n', '')
          ORDER BY t4._rn) FILTER (WHERE t4._rn <= $5::int))[1], 'endCursor', (array_agg(translate(encode(convert_to(json_build_array(t4."createdAt", t4."id")::text, 'UTF8'), 'base64'), E'\n', '')
          ORDER BY t4._rn DESC) FILTER (WHERE t4._rn <= $5::int))[1]) AS meta
    FROM (SELECT t3.*, row_number() OVER (ORDER BY t3."createdAt" DESC NULLS FIRST, t3."id" DESC NULLS FIRST) AS _rn
      FROM (SELECT t1.*
        FROM "workspace_0000000000000000"."person" t1
        WHERE (EXISTS (SELECT 1
            FROM "workspace_0000000000000000"."company" t2
            WHERE t2."id" = t1."companyId" AND t2."deletedAt" IS NULL AND t2."name" = $6) AND t1."city" = ANY($7) AND t1."email"::text LIKE $8::text AND t1."deletedAt" IS NULL)
        ORDER BY t1."createdAt" DESC NULLS FIRST, t1."id" DESC NULLS FIRST
        OFFSET $1::bigint
        LIMIT $5::int + 1) t3) t4) t14)::text;
