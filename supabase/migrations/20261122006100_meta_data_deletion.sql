-- Meta's data deletion callback (meta-oauth/data-deletion): when a Meta user asks Meta to delete
-- what the app holds about them, their connections and tokens are deleted at once, and the
-- request is recorded under a confirmation code that Meta shows the user together with a status
-- URL (meta-oauth/data-deletion-status?code=...), which reads it back.

create table private.meta_data_deletion_requests (
	confirmation_code text primary key default encode(extensions.gen_random_bytes(12), 'hex'),
	meta_user_id text not null,
	connections_deleted int not null,
	requested_at timestamptz not null default now(),
	completed_at timestamptz
);
alter table private.meta_data_deletion_requests enable row level security;
revoke all on private.meta_data_deletion_requests from public, anon, authenticated, service_role;

-- Deletes the Meta user's data and returns {confirmation_code, status, connections_deleted, ...}.
create function public.meta_delete_user_data(meta_user_id text) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	recorded private.meta_data_deletion_requests;
begin
	if coalesce(meta_user_id, '') !~ '^[0-9A-Za-z_]{1,64}$' then
		raise sqlstate '22023' using message = 'meta_user_id must be the app-scoped Meta user id';
	end if;
	insert into private.meta_data_deletion_requests (meta_user_id, connections_deleted, completed_at)
	values (meta_user_id, public.meta_forget_meta_user(meta_user_id, erase => true), now())
	returning * into recorded;
	return jsonb_build_object(
		'confirmation_code', recorded.confirmation_code,
		'status', 'completed',
		'connections_deleted', recorded.connections_deleted,
		'requested_at', recorded.requested_at,
		'completed_at', recorded.completed_at
	);
end;
$$;

-- What the status URL shows: no Meta user id, only the code the user was given.
create function public.meta_data_deletion_status(confirmation_code text) returns jsonb
language sql stable security definer
set search_path = ''
as $$
	select jsonb_build_object(
		'confirmation_code', request.confirmation_code,
		'status', case when request.completed_at is null then 'pending' else 'completed' end,
		'requested_at', request.requested_at,
		'completed_at', request.completed_at
	)
	from private.meta_data_deletion_requests request
	where request.confirmation_code = meta_data_deletion_status.confirmation_code
$$;

revoke execute on function public.meta_delete_user_data(text), public.meta_data_deletion_status(text) from public, anon, authenticated, service_role;
grant execute on function public.meta_delete_user_data(text), public.meta_data_deletion_status(text) to service_role;
