// `GET /rest/v1/`: the Swagger 2.0 description PostgREST serves at its root, reduced to what
// clients read (paths per table and function, and the tables' column definitions).
import type { StackConfig } from '../config.ts';
import type { Column, SchemaCache } from './schema-cache.ts';

function property(column: Column): Record<string, unknown> {
	const base = column.typeName.replace(/^_/, '');
	const types: Record<string, [string, string?]> = {
		int2: ['integer', 'smallint'],
		int4: ['integer', 'integer'],
		int8: ['integer', 'bigint'],
		float4: ['number', 'real'],
		float8: ['number', 'double precision'],
		numeric: ['number', 'numeric'],
		bool: ['boolean', 'boolean'],
		json: ['object', 'json'],
		jsonb: ['object', 'jsonb'],
	};
	const [type, format] = types[base] ?? ['string', column.type];
	if (column.typeName.startsWith('_'))
		return { type: 'array', items: { type }, format: column.type };
	return { type, format: format ?? column.type };
}

export function openApi(cache: SchemaCache, schema: string, config: StackConfig): unknown {
	const paths: Record<string, unknown> = {
		'/': {
			get: {
				produces: ['application/openapi+json', 'application/json'],
				responses: { 200: { description: 'OK' } },
				summary: 'OpenAPI description (this document)',
				tags: ['Introspection'],
			},
		},
	};
	const definitions: Record<string, unknown> = {};
	for (const relation of cache.relations.values()) {
		if (relation.schema !== schema) continue;
		const ref = { $ref: `#/definitions/${relation.name}` };
		const ok = {
			200: { description: 'OK', schema: { type: 'array', items: ref } },
			206: { description: 'Partial Content' },
		};
		paths[`/${relation.name}`] = {
			get: { tags: [relation.name], summary: relation.description ?? undefined, responses: ok },
			post: { tags: [relation.name], responses: { 201: { description: 'Created' } } },
			patch: { tags: [relation.name], responses: { 204: { description: 'No Content' } } },
			delete: { tags: [relation.name], responses: { 204: { description: 'No Content' } } },
		};
		definitions[relation.name] = {
			type: 'object',
			description: relation.description ?? undefined,
			required: [...relation.columns.values()]
				.filter((column) => !column.nullable && !column.hasDefault)
				.map((column) => column.name),
			properties: Object.fromEntries(
				[...relation.columns.values()].map((column) => [column.name, property(column)]),
			),
		};
	}
	for (const overloads of cache.routines.values()) {
		const routine = overloads[0];
		if (routine.schema !== schema) continue;
		const parameters = routine.params.filter((param) => param.name !== '');
		const operation = {
			tags: ['(rpc) ' + routine.name],
			summary: routine.description ?? undefined,
			responses: { 200: { description: 'OK' } },
		};
		paths[`/rpc/${routine.name}`] = {
			...(routine.volatility === 'volatile'
				? {}
				: {
						get: {
							...operation,
							parameters: parameters.map((param) => ({
								name: param.name,
								in: 'query',
								required: !param.hasDefault,
								type: 'string',
								format: param.type,
							})),
						},
					}),
			post: {
				...operation,
				parameters: [
					{
						name: 'args',
						in: 'body',
						required: true,
						schema: {
							type: 'object',
							required: parameters.filter((param) => !param.hasDefault).map((param) => param.name),
							properties: Object.fromEntries(
								parameters.map((param) => [param.name, { format: param.type, type: 'string' }]),
							),
						},
					},
				],
			},
		};
	}
	return {
		swagger: '2.0',
		info: { description: '', title: 'standard public schema', version: '13.0.0' },
		host: new URL(config.apiUrl).host,
		basePath: '/rest/v1',
		schemes: ['http'],
		consumes: ['application/json', 'application/vnd.pgrst.object+json', 'text/csv'],
		produces: ['application/json', 'application/vnd.pgrst.object+json', 'text/csv'],
		paths,
		definitions,
	};
}
