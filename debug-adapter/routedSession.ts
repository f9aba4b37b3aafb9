/**
 * A DebugSession whose every request is checked before a handler sees it (requestArguments.ts),
 * then answered by a route (a function returning the body, or its promise) or by the session's
 * own `…Request` method; whatever a handler throws or rejects with is answered, never let loose,
 * and no stack goes out. Errors are DAP error responses with an id (dapErrors.ts) and, for a
 * client that shows them itself (the extension's launch, any `apxm/*` request), no toast.
 */
import { DebugSession, Response } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { DapErrorId, DapRefusal, type DapErrorIdValue } from './dapErrors.js';
import { checkRequest } from './requestArguments.js';

/** A request's handler: its response body, or its promise; a DapRefusal thrown is the error response. */
export type Route = (args: never) => unknown;

type Handler = (response: DebugProtocol.Response, args: unknown, request: DebugProtocol.Request) => unknown;

export abstract class RoutedSession extends DebugSession {
  /** The client said it shows launch errors itself (`clientShowsLaunchErrors` in the launch arguments). */
  private clientShowsLaunchErrors = false;

  /** Requests a module answers alone, by handler name. */
  protected abstract readonly routes: Record<string, Route | undefined>;
  /** A run is live (launched, not ended): what requests marked `needsRun` wait for. */
  protected abstract hasLiveRun(): boolean;
  /** Tells the user something went wrong after the request was answered (the Debug Console). */
  protected abstract reportLate(text: string): void;

  protected override dispatchRequest(request: DebugProtocol.Request): void {
    const response = new Response(request);
    // read before anything is checked: a launch refused for its arguments is shown the same way
    if (request.command === 'launch')
      this.clientShowsLaunchErrors =
        (request.arguments as { clientShowsLaunchErrors?: unknown } | undefined)?.clientShowsLaunchErrors === true;
    const checked = checkRequest(request);
    if ('unsupported' in checked)
      return this.fail(response, DapErrorId.unsupported, `'${String(request.command)}' is not a request this adapter serves`);
    if ('problem' in checked) return this.fail(response, DapErrorId.badArguments, `${request.command}: ${checked.problem}`);
    if (checked.needsRun && !this.hasLiveRun())
      return this.fail(
        response,
        DapErrorId.notAvailable,
        `no program is running: '${request.command}' needs a launched run that has not ended`,
      );
    try {
      const route = this.routes[checked.method];
      if (route) return this.answer(response, route(request.arguments as never));
      const done = (this as unknown as Record<string, Handler>)[checked.method](response, request.arguments, request);
      if (done instanceof Promise) done.catch((e: unknown) => this.handlerFailed(response, e));
    } catch (e) {
      if (e instanceof DapRefusal) this.fail(response, e.id, e.message, e.code);
      else this.handlerFailed(response, e);
    }
  }

  /** Answers with a route's body (or its promise); a refusal is an error response, anything else thrown an internal error. */
  private answer(response: DebugProtocol.Response, body: unknown): void {
    const refused = (e: unknown) =>
      e instanceof DapRefusal ? this.fail(response, e.id, e.message, e.code) : this.handlerFailed(response, e);
    if (body instanceof Promise) return void body.then((b) => this.answer(response, b), refused);
    response.body = body;
    this.sendResponse(response);
  }

  /** A handler failed: answer the request if it has not been answered, else say so late. No stack goes out. */
  private handlerFailed(response: DebugProtocol.Response, e: unknown): void {
    const message = e instanceof Error ? e.message : String(e);
    if (response.seq === 0) this.fail(response, DapErrorId.internal, `internal error in '${response.command}': ${message}`);
    else this.reportLate(`internal error after '${response.command}': ${message}\n`);
  }

  /** Runs work the client does not wait for; a failure is reported, never an unhandled rejection. */
  protected background(work: Promise<unknown>, what: string): void {
    work.catch((e: unknown) => this.reportLate(`internal error in ${what}: ${e instanceof Error ? e.message : String(e)}\n`));
  }

  /**
   * An error response: `id` says the kind (dapErrors.ts), `code` the runtime's error code when there
   * is one, `link` a place to fix it (VS Code shows `urlLabel` as a button and runs a `command:` url).
   */
  protected fail(
    response: DebugProtocol.Response,
    id: DapErrorIdValue,
    message: string,
    code?: string,
    link?: { url?: string; urlLabel?: string },
  ): void {
    // `_`-prefixed variables are not personal data, so the library never scrubs the message.
    // A custom request's client shows its failures itself (the graph page says a node has not run): no toast as well.
    const clientShows = (response.command === 'launch' && this.clientShowsLaunchErrors) || response.command.startsWith('apxm/');
    this.sendErrorResponse(response, {
      id,
      format: '{_message}',
      showUser: !clientShows,
      variables: { _message: message, ...(code ? { _code: code } : {}) },
      ...(link?.url ? { url: link.url, urlLabel: link.urlLabel ?? 'More' } : {}),
    });
  }
}
