-- GET /rest/companies/0190f2a0-0000-7000-8000-000000000001
SELECT (SELECT json_build_object('data', json_build_object('id', t1."id", 'createdAt', to_char(t1."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'updatedAt', to_char(t1."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'deletedAt', to_char(t1."deletedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'position', t1."position", 'name', t1."name", 'domainName', t1."domainName", 'address', t1."address", 'employees', t1."employees", 'industry', t1."industry", 'linkedinLink', t1."linkedinLink", 'xLink', t1."xLink", 'annualRecurringRevenue', json_build_object('amountMicros', t1."annualRecurringRevenueAmountMicros", 'currencyCode', t1."annualRecurringRevenueCurrencyCode"), 'idealCustomerProfile', t1."idealCustomerProfile", 'noteTargets',
      (SELECT coalesce(json_agg(json_build_object('id', t3."id", 'createdAt', to_char(t3."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'updatedAt', to_char(t3."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'deletedAt', to_char(t3."deletedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'position', t3."position", 'companyId', t3."companyId", 'noteId', t3."noteId", 'opportunityId', t3."opportunityId", 'personId', t3."personId")
            ORDER BY t3."createdAt" ASC, t3."id" ASC), '[]'::json)
        FROM (SELECT t2.*
          FROM "workspace_0000000000000000"."noteTarget" t2
          WHERE t2."companyId" = t1."id" AND t2."deletedAt" IS NULL
          ORDER BY t2."createdAt" ASC, t2."id" ASC
          LIMIT $1::int) t3), 'opportunities',
      (SELECT coalesce(json_agg(json_build_object('id', t5."id", 'createdAt', to_char(t5."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'updatedAt', to_char(t5."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'deletedAt', to_char(t5."deletedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'position', t5."position", 'companyId', t5."companyId", 'name', t5."name", 'pointOfContactId', t5."pointOfContactId", 'amount', json_build_object('amountMicros', t5."amountAmountMicros", 'currencyCode', t5."amountCurrencyCode"), 'stage', t5."stage", 'probability', t5."probability", 'closeDate', t5."closeDate")
            ORDER BY t5."createdAt" ASC, t5."id" ASC), '[]'::json)
        FROM (SELECT t4.*
          FROM "workspace_0000000000000000"."opportunity" t4
          WHERE t4."companyId" = t1."id" AND t4."deletedAt" IS NULL
          ORDER BY t4."createdAt" ASC, t4."id" ASC
          LIMIT $2::int) t5), 'people',
      (SELECT coalesce(json_agg(json_build_object('id', t7."id", 'createdAt', to_char(t7."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'updatedAt', to_char(t7."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'deletedAt', to_char(t7."deletedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'position', t7."position", 'companyId', t7."companyId", 'name', json_build_object('firstName', t7."nameFirstName", 'lastName', t7."nameLastName"), 'email', t7."email", 'phone', t7."phone", 'city', t7."city", 'jobTitle', t7."jobTitle", 'linkedinLink', t7."linkedinLink", 'xLink', t7."xLink", 'avatarUrl', t7."avatarUrl")
            ORDER BY t7."createdAt" ASC, t7."id" ASC), '[]'::json)
        FROM (SELECT t6.*
          FROM "workspace_0000000000000000"."person" t6
          WHERE t6."companyId" = t1."id" AND t6."deletedAt" IS NULL
          ORDER BY t6."createdAt" ASC, t6."id" ASC
          LIMIT $3::int) t7), 'taskTargets',
      (SELECT coalesce(json_agg(json_build_object('id', t9."id", 'createdAt', to_char(t9."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'updatedAt', to_char(t9."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'deletedAt', to_char(t9."deletedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'position', t9."position", 'companyId', t9."companyId", 'opportunityId', t9."opportunityId", 'personId', t9."personId", 'taskId', t9."taskId")
            ORDER BY t9."createdAt" ASC, t9."id" ASC), '[]'::json)
        FROM (SELECT t8.*
          FROM "workspace_0000000000000000"."taskTarget" t8
          WHERE t8."companyId" = t1."id" AND t8."deletedAt" IS NULL
          ORDER BY t8."createdAt" ASC, t8."id" ASC
          LIMIT $4::int) t9)))
  FROM "workspace_0000000000000000"."company" t1
  WHERE (t1."id" = $5 AND t1."deletedAt" IS NULL)
  ORDER BY t1."id"
  LIMIT 1)::text;
