-- Manual fixes from Supabase Studio. Studio's SQL editor runs as `postgres`, with no signed-in
-- member, so the operator functions (which check auth.uid() and the workspace role) answer "not
-- found". private.studio_act_as lets the project owner act, for one transaction, as a named
-- member of a workspace with a stated reason: auth.uid() becomes that member, their role applies
-- as in the console, and every audit entry the transaction writes says it came from Studio, with
-- the reason. Recipes: README, "Manual fixes in Supabase Studio".

alter table public.audit_log
	-- How the change was made: 'app' (console, API, Edge Functions) or 'studio' (studio_act_as).
	add column via text not null default 'app' check (via in ('app', 'studio')),
	-- Why, for changes made from Studio.
	add column reason text check (length(reason) <= 500),
	add constraint audit_log_studio_changes_have_a_reason check ((via = 'studio') = (reason is not null));

-- Sets the transaction-local JWT claims PostgREST would set for the member (auth.uid() reads
-- them) and the reason record_audit attaches. Only `postgres` may call it: it impersonates.
create function private.studio_act_as(workspace_id uuid, acting_user uuid, reason text) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
	given_reason text := nullif(trim(studio_act_as.reason), '');
	member public.workspace_members;
begin
	if given_reason is null then
		raise sqlstate '22023' using message = 'studio_act_as needs a reason: say why this fix is made (a ticket, the buyer''s message)';
	end if;
	if length(given_reason) > 500 then
		raise sqlstate '22023' using message = format('the reason is %s characters; keep it to 500', length(given_reason));
	end if;
	select * into member from public.workspace_members m
	where m.workspace_id = studio_act_as.workspace_id and m.user_id = studio_act_as.acting_user;
	if not found then
		raise sqlstate 'PT404' using message = format(
			'user %s is not a member of workspace %s: act as a member of the workspace you fix',
			coalesce(acting_user::text, '(none)'), coalesce(workspace_id::text, '(none)'));
	end if;
	perform set_config('request.jwt.claims', jsonb_build_object(
		'sub', member.user_id, 'role', 'authenticated', 'aud', 'authenticated',
		'email', (select u.email from auth.users u where u.id = member.user_id))::text, true);
	-- auth.uid() reads the older per-claim setting first; clear it so only the member counts.
	perform set_config('request.jwt.claim.sub', '', true);
	perform set_config('studio.workspace_id', member.workspace_id::text, true);
	perform set_config('studio.reason', given_reason, true);
	return jsonb_build_object('workspace_id', member.workspace_id, 'acting_user', member.user_id,
		'role', member.role, 'reason', given_reason);
end;
$$;
revoke execute on function private.studio_act_as(uuid, uuid, text) from public, anon, authenticated, service_role;

-- As before, and: inside a studio_act_as transaction the entry says via = 'studio' with the
-- reason, and a change to another workspace than the one named is refused, so a reason is never
-- attached to a workspace it was not given for.
create or replace function private.record_audit(
	workspace_id uuid,
	show_id uuid,
	action text,
	entity_type text,
	entity_id uuid,
	before jsonb,
	after jsonb,
	details jsonb default '{}'
) returns void
language plpgsql
set search_path = ''
as $$
declare
	studio_reason text := nullif(current_setting('studio.reason', true), '');
begin
	if studio_reason is not null and record_audit.workspace_id is distinct from nullif(current_setting('studio.workspace_id', true), '')::uuid then
		raise sqlstate 'PT403' using message = format(
			'this Studio transaction acts in workspace %s; %s touches workspace %s',
			current_setting('studio.workspace_id', true), action, record_audit.workspace_id);
	end if;
	insert into public.audit_log (workspace_id, show_id, actor_user_id, action, entity_type, entity_id, before, after, details, via, reason)
	values (workspace_id, show_id, (select auth.uid()), action, entity_type, entity_id, before, after, coalesce(details, '{}'),
		case when studio_reason is null then 'app' else 'studio' end, studio_reason);
end;
$$;
revoke execute on function private.record_audit(uuid, uuid, text, text, uuid, jsonb, jsonb, jsonb) from public, anon, authenticated, service_role;
