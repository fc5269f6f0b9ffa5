-- Test comments get an identity space of their own. emit_test_comment used to take any
-- platform_user_id, so a rehearsal `pass 4` with a real buyer's id ended that buyer's claim, as if
-- they had passed, with no trace of who did it. Now its buyer is always 'test:<id or handle>',
-- an id allocation refuses to real comments (real ids are Meta's numeric ids or 'hidden:…'), and
-- every test comment is audited as the operator action it is.

-- Test claims made before this kept whatever id they were given: move them into the test space
-- so no real comment can ever match or collide with them.
update public.claims
set platform_user_id = 'test:' || lower(coalesce(platform_user_id, user_handle))
where is_test and coalesce(platform_user_id, '') not like 'test:%';
update public.comments
set platform_user_id = 'test:' || lower(platform_user_id)
where is_test and platform_user_id not like 'test:%';

create or replace function public.emit_test_comment(
	show_id uuid,
	text text,
	user_handle text default 'tester',
	platform_user_id text default null
) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	target_show public.shows;
	operator_id uuid;
	handle text := nullif(ltrim(trim(emit_test_comment.user_handle), '@'), '');
	result jsonb;
begin
	select * into target_show from public.shows where id = emit_test_comment.show_id;
	operator_id := private.require_workspace_role(target_show.workspace_id, 'assistant', 'show');
	if handle is null then
		raise sqlstate '22023' using message = 'a test comment needs the handle of its test buyer';
	end if;
	-- Instagram handles are at most 30 characters; a test buyer needs no more than a real one.
	if length(handle) > 30 then
		raise sqlstate '22023' using message = format('a test buyer''s handle is at most 30 characters, not %s', length(handle));
	end if;
	result := private.allocate_comment(
		jsonb_build_object(
			'show_id', target_show.id,
			'platform', 'test',
			'live_id', target_show.live_id,
			'comment_id', 'test-' || gen_random_uuid(),
			'platform_user_id', 'test:' || lower(coalesce(nullif(trim(emit_test_comment.platform_user_id), ''), handle)),
			'user_handle', handle,
			'user_display_name', handle,
			'text', emit_test_comment.text,
			'created_at', now()
		),
		is_test => true,
		emitted_by => operator_id
	);
	perform private.record_audit(target_show.workspace_id, target_show.id, 'comment.test', 'comment',
		(result ->> 'comment_id')::uuid, null, result, jsonb_build_object('text', emit_test_comment.text, 'user_handle', handle));
	return result;
end;
$$;
