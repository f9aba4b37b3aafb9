import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bundle, graphJson } from '../../test/support/graphBuilder.js';
import { programFromJson } from '../graph/loadGraphJson.js';
import { makeRuntime } from '../../test/support/harness.js';
import { Agent } from './flowRegistry.js';

const caller = {
  name: 'Main.main',
  isEntry: true,
  nodes: [
    [1, 'CONST_STR', { value: 'hi' }],
    [2, 'FLOW_CALL', { agent_name: 'Helper', flow_name: 'reply' }],
    [3, 'RETURN'],
  ] as [number, string, Record<string, unknown>][],
  edges: [
    [1, 2],
    [2, 3],
  ] as [number, number][],
};
const helper = (text: string) => ({
  name: 'Helper.reply',
  params: ['msg'],
  nodes: [
    [1, 'CONST_STR', { value: text }],
    [2, 'RETURN'],
  ] as [number, string, Record<string, unknown>][],
  edges: [[1, 2]] as [number, number][],
});

describe('FlowRegistry across runs', () => {
  it('a program run again calls its own flows, even after other programs or agents were registered in between', async () => {
    const rt = await makeRuntime();
    const p = bundle('Main.main', [caller, helper('from P')]);
    const q = bundle('Main.main', [caller, helper('from Q')]);
    assert.equal((await rt.execute(p)).result, 'from P');
    assert.equal((await rt.execute(p)).result, 'from P', 'the same program again');
    assert.equal((await rt.execute(q)).result, 'from Q');
    assert.equal((await rt.execute(p)).result, 'from P', 'P again after Q');
    const other = bundle('Helper.reply', [helper('registered by hand')]);
    rt.flowRegistry.registerAgent(new Agent('Helper', other.flows));
    assert.equal((await rt.execute(p)).result, 'from P', 'P again after an agent was registered by hand');
    await rt.dispose();
  });

  it('a program loaded by the runtime may call an agent registered in code; loaded without it, the call is an error naming the flow', async () => {
    const rt = await makeRuntime();
    rt.flowRegistry.registerAgent(new Agent('Helper', bundle('Helper.reply', [helper('from code')]).flows));
    const json = graphJson(caller);
    assert.throws(() => programFromJson(json), /calls Helper\.reply, which is not in this program/);
    const r = await rt.execute(rt.loadProgram(json));
    assert.equal(r.status, 'succeeded', r.error?.message);
    assert.equal(r.result, 'from code');
    // the parameter count of a registered flow is checked like a program's own
    const wrong = {
      ...caller,
      edges: [] as [number, number][],
      nodes: [[2, 'FLOW_CALL', { agent_name: 'Helper', flow_name: 'reply' }]] as [number, string, Record<string, unknown>][],
    };
    assert.throws(() => rt.loadProgram(graphJson(wrong)), /passes 0 argument\(s\) but Helper\.reply takes 1/);
    // a program that defines flows of Helper itself replaces Helper's registered flows when it runs: not callable then
    const ownHelper = { ...caller, name: 'Helper.main' };
    assert.throws(() => rt.loadProgram(graphJson(ownHelper)), /calls Helper\.reply, which is not in this program/);
    await rt.dispose();
  });
});
