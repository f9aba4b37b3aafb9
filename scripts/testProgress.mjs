// A node:test reporter for scripts/run-tests.mjs: one JSON line per test event, written as the event
// happens, so the runner can name the tests still in flight when the suite overruns its limit and
// count what passed and failed across both Node binaries.
export default async function* testProgress(source) {
  for await (const event of source) {
    const { type, data } = event;
    if (type !== 'test:dequeue' && type !== 'test:pass' && type !== 'test:fail') continue;
    yield (
      JSON.stringify({
        type,
        name: data.name,
        nesting: data.nesting,
        file: data.file,
        suite: data.details?.type === 'suite',
        error: type === 'test:fail' ? String(data.details?.error?.message ?? data.details?.error ?? '').slice(0, 500) : undefined,
      }) + '\n'
    );
  }
}
