-- Reporting for SQL users (a spreadsheet, a BI tool): views in schema `reporting` and a group
-- role `reporting_reader` that may read them and nothing else. Tenancy: a reporting login sees
-- the workspaces private.reporting_workspaces maps it to, and only those. The views run with
-- their owner's rights (the reader holds no right on any table) and keep only rows of workspaces
-- mapped to current_user; security_barrier makes that filter apply before any condition the
-- reader adds, so a crafted function in their query never sees another workspace's rows. Test
-- claims and test comments are left out. README: "Reporting with SQL".

do $$
begin
	if not exists (select 1 from pg_roles where rolname = 'reporting_reader') then
		create role reporting_reader nologin;
	end if;
end;
$$;

create schema reporting;
revoke all on schema reporting from public;
grant usage on schema reporting to reporting_reader;

-- Which workspaces a reporting login reads; written by the project owner (README).
create table private.reporting_workspaces (
	login_role name not null,
	workspace_id uuid not null references public.workspaces (id) on delete cascade,
	created_at timestamptz not null default now(),
	primary key (login_role, workspace_id)
);
create index reporting_workspaces_workspace_id_idx on private.reporting_workspaces (workspace_id);
-- No API role reads or writes it: RLS on and no policy, and no grant.
alter table private.reporting_workspaces enable row level security;
revoke all on private.reporting_workspaces from public, anon, authenticated, service_role;

-- Per show: units sold (winners), distinct buyers, revenue in minor units of the show's currency
-- from the items' unit prices; unpriced_units counts sold units of items without a price, which
-- the revenue leaves out. revenue divides by the currency's minor unit (1250 USD cents: 12.50).
create view reporting.show_sales with (security_barrier) as
select
	s.workspace_id,
	s.id as show_id,
	s.name as show_name,
	s.platform,
	s.status,
	s.started_at,
	s.ended_at,
	s.currency,
	count(c.id) as units_sold,
	count(distinct coalesce(c.platform_user_id, '@' || lower(c.user_handle))) as buyers,
	coalesce(sum(i.price), 0)::bigint as revenue_minor,
	round(coalesce(sum(i.price), 0) / 10::numeric ^ currency.minor_unit, currency.minor_unit) as revenue,
	count(c.id) filter (where i.price is null) as unpriced_units
from public.shows s
join public.currencies currency on currency.code = s.currency
left join public.claims c on c.show_id = s.id and c.status = 'winner' and not c.is_test
left join public.show_items i on i.id = c.show_item_id
where s.workspace_id in (select r.workspace_id from private.reporting_workspaces r where r.login_role = current_user)
group by s.id, currency.minor_unit;

-- Per buyer of a workspace across its shows, one row per currency they bought in. A buyer is
-- their platform user id, or their handle for a manual award to an unidentified buyer.
create view reporting.buyer_sales with (security_barrier) as
select
	s.workspace_id,
	c.platform,
	coalesce(c.platform_user_id, '@' || lower(c.user_handle)) as buyer_id,
	(array_agg(c.user_handle order by c.created_at desc))[1] as user_handle,
	(array_agg(c.user_display_name order by c.created_at desc))[1] as user_display_name,
	s.currency,
	count(distinct s.id) as shows,
	count(*) as units_bought,
	coalesce(sum(i.price), 0)::bigint as spent_minor,
	round(coalesce(sum(i.price), 0) / 10::numeric ^ currency.minor_unit, currency.minor_unit) as spent,
	count(*) filter (where i.price is null) as unpriced_units,
	min(c.created_at) as first_bought_at,
	max(c.created_at) as last_bought_at
from public.claims c
join public.shows s on s.id = c.show_id
join public.show_items i on i.id = c.show_item_id
join public.currencies currency on currency.code = s.currency
where c.status = 'winner' and not c.is_test
	and s.workspace_id in (select r.workspace_id from private.reporting_workspaces r where r.login_role = current_user)
group by s.workspace_id, c.platform, coalesce(c.platform_user_id, '@' || lower(c.user_handle)), s.currency, currency.minor_unit;

-- Per show and minute of the live: comments received and claims they made, both by the time
-- the viewer commented (so the two line up); a claim an operator made by hand counts at its
-- making. Minutes without either are absent.
create view reporting.show_minutes with (security_barrier) as
with reported_shows as (
	select s.id, s.workspace_id
	from public.shows s
	where s.workspace_id in (select r.workspace_id from private.reporting_workspaces r where r.login_role = current_user)
),
comment_minutes as (
	select cm.show_id, date_trunc('minute', cm.commented_at) as minute, count(*) as comments
	from public.comments cm
	where not cm.is_test and cm.show_id in (select id from reported_shows)
	group by 1, 2
),
claim_minutes as (
	select c.show_id, date_trunc('minute', coalesce(source.commented_at, c.created_at)) as minute, count(*) as claims
	from public.claims c
	left join public.comments source on source.id = c.source_comment_id
	where not c.is_test and c.show_id in (select id from reported_shows)
	group by 1, 2
)
select
	s.workspace_id,
	s.id as show_id,
	coalesce(cm.minute, cl.minute) as minute,
	coalesce(cm.comments, 0) as comments,
	coalesce(cl.claims, 0) as claims
from comment_minutes cm
full join claim_minutes cl on cl.show_id = cm.show_id and cl.minute = cm.minute
join reported_shows s on s.id = coalesce(cm.show_id, cl.show_id);

revoke all on reporting.show_sales, reporting.buyer_sales, reporting.show_minutes from public, anon, authenticated, service_role;
grant select on reporting.show_sales, reporting.buyer_sales, reporting.show_minutes to reporting_reader;
