/**
 * JSON Schema of ApxmGraph program files, built from the op catalogue. The extension contributes
 * it (`jsonValidation`) so `.json` programs get validation, hover and completion in the editor;
 * `extension/schemas/apxm-graph.schema.json` is this object, kept in step by a test.
 * The loader (loadGraphJson.ts) remains the authority: it checks what a schema cannot (dangling
 * edges, cycles, per-op attributes).
 */
import { OP_CATALOGUE, OP_NAMES } from './opCatalogue.js';

export function apxmGraphJsonSchema(): Record<string, unknown> {
  const opDoc = OP_NAMES.map((n) => `${n}: ${OP_CATALOGUE[n].description} (${OP_CATALOGUE[n].latency} latency)`);
  const node = {
    type: 'object',
    required: ['id', 'name'],
    properties: {
      id: { type: 'integer', minimum: 0, description: 'Unique node id within the flow; edges refer to it.' },
      name: {
        type: 'string',
        minLength: 1,
        pattern: '\\S',
        description: 'A short descriptive name; `{{name}}` in templates reads its output.',
      },
      op: { enum: [...OP_NAMES], description: 'The AIS operation.', markdownEnumDescriptions: opDoc },
      op_type: { enum: [...OP_NAMES], description: 'Alias of "op".' },
      attributes: {
        type: 'object',
        description: 'Op attributes, e.g. ASK {"template_str": "..."}, INV {"capability": "...", "params": {...}}.',
      },
      metadata: { type: 'object' },
    },
    oneOf: [{ required: ['op'] }, { required: ['op_type'] }],
  };
  const edge = {
    type: 'object',
    required: ['from', 'to'],
    properties: {
      from: { type: 'integer', minimum: 0, description: 'Producer node id.' },
      to: { type: 'integer', minimum: 0, description: 'Consumer node id.' },
      dependency: {
        enum: ['Data', 'Control', 'Effect'],
        default: 'Data',
        description: 'Data passes the value as an input; Control and Effect only order execution.',
      },
      label: {
        type: ['string', 'boolean', 'number'],
        description:
          'Routing label on edges out of BRANCH_ON_VALUE (true/false), SWITCH (a case or "default") and TRY_CATCH ("try"/"catch").',
      },
    },
  };
  const flow = {
    type: 'object',
    required: ['name', 'nodes', 'edges'],
    properties: {
      name: { type: 'string', minLength: 1, description: 'Flow name, `Agent.flow` (a bare name becomes `<name>.main`).' },
      parameters: {
        type: 'array',
        items: {
          type: 'object',
          required: ['name'],
          properties: {
            name: { type: 'string', minLength: 1 },
            type_name: {
              enum: ['str', 'string', 'int', 'float', 'number', 'bool', 'json', 'any'],
              description: 'Arguments are converted to this type.',
            },
            type: { type: 'string', description: 'Alias of "type_name".' },
          },
        },
      },
      nodes: { type: 'array', minItems: 1, items: { $ref: '#/definitions/node' } },
      edges: { type: 'array', items: { $ref: '#/definitions/edge' } },
      metadata: { type: 'object', properties: { is_entry: { type: 'boolean' }, description: { type: 'string' } } },
    },
  };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://apxm.dev/schemas/apxm-graph.schema.json',
    title: 'ApxmGraph program',
    description: 'An APXM agent program: one flow, or a bundle of flows named Agent.flow.',
    definitions: { node, edge, flow },
    oneOf: [
      { $ref: '#/definitions/flow' },
      {
        type: 'object',
        required: ['flows'],
        properties: {
          name: { type: 'string' },
          entry: { type: 'string', description: 'Qualified name of the entry flow (default: the flow marked is_entry).' },
          flows: { type: 'array', minItems: 1, items: { $ref: '#/definitions/flow' } },
        },
      },
    ],
  };
}
