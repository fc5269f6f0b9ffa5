// Graph API field selection: `fields=id,message,from{id,name}` picks what each node returns;
// unknown fields are Meta's error #100, malformed selections its syntax error #2500.
import { GraphError, graphErrors } from './errors.ts';

/** Field name → sub-selection (null: none given, the nested node's defaults apply). */
export type FieldSelection = Map<string, FieldSelection | null>;

export interface NodeType<Node, Context> {
	name: string;
	defaults: string[];
	/** undefined leaves the field out, as Meta does for values the token may not see. */
	fields: Record<
		string,
		(node: Node, context: Context, selection: FieldSelection | null) => unknown
	>;
}

function syntaxError(text: string, position: number, expected: string): GraphError {
	return new GraphError(400, {
		message: `Syntax error "Expected ${expected} instead of "${text[position] ?? 'end of string'}"." at character ${position}: ${text}`,
		type: 'OAuthException',
		code: 2500,
	});
}

const maxDepth = 8;

export function parseFields(text: string): FieldSelection {
	let position = 0;
	const skipSpaces = () => {
		while (text[position] === ' ') position += 1;
	};
	const list = (closing: string | undefined, depth: number): FieldSelection => {
		if (depth > maxDepth)
			throw syntaxError(text, position, `at most ${maxDepth} levels of nested fields`);
		const selection: FieldSelection = new Map();
		for (;;) {
			skipSpaces();
			const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(position))?.[0];
			if (!name) throw syntaxError(text, position, 'a field name');
			position += name.length;
			// Modifiers like `.limit(10)` are accepted and ignored.
			while (text[position] === '.') {
				const modifier = /^\.[A-Za-z_]+\([^()]*\)/.exec(text.slice(position))?.[0];
				if (!modifier) throw syntaxError(text, position, 'a modifier');
				position += modifier.length;
			}
			let sub: FieldSelection | null = null;
			if (text[position] === '{') {
				position += 1;
				sub = list('}', depth + 1);
			}
			selection.set(name, sub);
			skipSpaces();
			if (text[position] === ',') {
				position += 1;
				continue;
			}
			if (closing !== undefined) {
				if (text[position] !== closing) throw syntaxError(text, position, `"," or "${closing}"`);
				position += 1;
			} else if (position < text.length) throw syntaxError(text, position, 'end of string');
			return selection;
		}
	};
	return list(undefined, 0);
}

/** The node as the selection asks for it; `id` comes back whenever the node has one. */
export function project<Node, Context>(
	type: NodeType<Node, Context>,
	node: Node,
	context: Context,
	selection: FieldSelection | null,
): Record<string, unknown> {
	const wanted: FieldSelection = selection ?? new Map(type.defaults.map((name) => [name, null]));
	for (const name of wanted.keys())
		if (!Object.hasOwn(type.fields, name)) throw graphErrors.nonexistingField(name, type.name);
	const result: Record<string, unknown> = {};
	for (const [name, sub] of wanted) {
		const value = type.fields[name](node, context, sub);
		if (value !== undefined) result[name] = value;
	}
	if (!('id' in result) && Object.hasOwn(type.fields, 'id')) {
		const id = type.fields.id(node, context, null);
		if (id !== undefined) result.id = id;
	}
	return result;
}
