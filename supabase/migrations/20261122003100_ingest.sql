-- Where comments enter: the platform connectors (service_role) one at a time or in batches, and
-- operators rehearsing with test comments. All of them allocate through private.allocate_comment.

create function public.ingest_comment(comment jsonb) returns jsonb
language sql volatile security definer
set search_path = ''
as $$
	select private.allocate_comment(comment)
$$;
revoke execute on function public.ingest_comment(jsonb) from public, anon, authenticated;
grant execute on function public.ingest_comment(jsonb) to service_role;

-- A poller's batch: allocated in platform-timestamp order, then arrival order; results come back
-- in the order given. All the batch's shows, then all its items, are locked up front in id order,
-- so batches and single comments never deadlock however their comments overlap.
create function public.ingest_comments(comments jsonb) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	batch_size constant int := 1000;
	incoming record;
	results jsonb[] := '{}';
begin
	if jsonb_typeof(comments) is distinct from 'array' then
		raise sqlstate '22023' using message = 'comments must be a JSON array of comments';
	end if;
	if jsonb_array_length(comments) > batch_size then
		raise sqlstate '22023' using message = format('at most %s comments per batch, got %s', batch_size, jsonb_array_length(comments));
	end if;

	perform
	from public.shows show_row
	where show_row.id in (select (given.value ->> 'show_id')::uuid from jsonb_array_elements(comments) as given)
	order by show_row.id
	for share;
	perform
	from public.show_items locked
	join (
		select distinct show_row.id as show_id, parsed.item_number
		from jsonb_array_elements(comments) as given
		join public.shows show_row on show_row.id = (given.value ->> 'show_id')::uuid
		join public.workspaces workspace on workspace.id = show_row.workspace_id
		cross join lateral public.parse_comment(
			coalesce(given.value ->> 'text', ''),
			coalesce(show_row.claim_words, workspace.claim_words),
			coalesce(show_row.pass_words, workspace.pass_words)
		) as parsed
	) as named on named.show_id = locked.show_id and named.item_number = locked.item_number
	order by locked.id
	for update of locked;

	for incoming in
		select given.value, given.place
		from jsonb_array_elements(comments) with ordinality as given (value, place)
		order by coalesce((given.value ->> 'created_at')::timestamptz, now()), given.place
	loop
		results[incoming.place::int] := private.allocate_comment(incoming.value);
	end loop;
	return to_jsonb(results);
end;
$$;
revoke execute on function public.ingest_comments(jsonb) from public, anon, authenticated;
grant execute on function public.ingest_comments(jsonb) to service_role;

-- An operator's rehearsal comment: marked as a test, attributed to the operator, and allocated
-- exactly like a platform's, on the show's bound live.
create function public.emit_test_comment(
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
begin
	select * into target_show from public.shows where id = emit_test_comment.show_id;
	operator_id := private.require_workspace_role(target_show.workspace_id, 'assistant', 'show');
	return private.allocate_comment(
		jsonb_build_object(
			'show_id', target_show.id,
			'platform', 'test',
			'live_id', target_show.live_id,
			'comment_id', 'test-' || gen_random_uuid(),
			'platform_user_id', coalesce(emit_test_comment.platform_user_id, 'test:' || lower(emit_test_comment.user_handle)),
			'user_handle', emit_test_comment.user_handle,
			'user_display_name', emit_test_comment.user_handle,
			'text', emit_test_comment.text,
			'created_at', now()
		),
		is_test => true,
		emitted_by => operator_id
	);
end;
$$;
revoke execute on function public.emit_test_comment(uuid, text, text, text) from public, anon, service_role;
grant execute on function public.emit_test_comment(uuid, text, text, text) to authenticated;
