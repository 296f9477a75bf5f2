-- POST /rest/batch/people
WITH _changed AS (INSERT INTO "workspace_0000000000000000"."person" ("nameFirstName", "nameLastName", "email", "id")
  SELECT t1.c_0, t1.c_1, t1.c_2, t1.c_3
  FROM unnest($1::text[], $2::text[], $3::text[], $4::uuid[]) AS t1(c_0, c_1, c_2, c_3)
  RETURNING *), _events AS (INSERT INTO "workspace_0000000000000000"."_event" (event, "objectName", "recordId", data)
  SELECT $5::text, $6::text, t2."id", json_build_object('id', t2."id", 'createdAt', to_char(t2."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'updatedAt', to_char(t2."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'deletedAt', to_char(t2."deletedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'position', t2."position", 'companyId', t2."companyId", 'name', json_build_object('firstName', t2."nameFirstName", 'lastName', t2."nameLastName"), 'email', t2."email", 'phone', t2."phone", 'city', t2."city", 'jobTitle', t2."jobTitle", 'linkedinLink', t2."linkedinLink", 'xLink', t2."xLink", 'avatarUrl', t2."avatarUrl")::jsonb
  FROM _changed t2
  ORDER BY t2."id")
SELECT coalesce(json_agg(json_build_object('id', t3."id", 'createdAt', to_char(t3."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'updatedAt', to_char(t3."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'deletedAt', to_char(t3."deletedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'position', t3."position", 'companyId', t3."companyId", 'name', json_build_object('firstName', t3."nameFirstName", 'lastName', t3."nameLastName"), 'email', t3."email", 'phone', t3."phone", 'city', t3."city", 'jobTitle', t3."jobTitle", 'linkedinLink', t3."linkedinLink", 'xLink', t3."xLink", 'avatarUrl', t3."avatarUrl")
    ORDER BY array_position($7::uuid[], t3."id")), '[]'::json)::text
FROM _changed t3;
