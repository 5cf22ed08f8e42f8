import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { currentUser } from '../../http/auth.ts';
import { errorResponses } from '../../http/schemas.ts';
import type { Clock } from '../../shared/clock.ts';
import { ChatStreams } from './chat-streams.ts';
import type { LiveCoursesService } from './live-courses.service.ts';
import { AnsweredBody, ChatMessage, ChatMessageParams, ChatPage, ChatQuery, LiveSessionIdParams, PostChatBody, StreamHeaders } from './live-courses.schemas.ts';

/**
 * The Q&A chat of a live session (seed 004 §5): history, posting, moderation, and the live stream
 * as server-sent events — one-way pushes over plain HTTP, which behind Fastify need no upgrade,
 * pass proxies, and resume with `Last-Event-ID`; the page posts with ordinary requests.
 */
export async function chatRoutes(app: FastifyInstance, deps: { live: LiveCoursesService; clock: Clock; streams: ChatStreams }): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { live, clock, streams } = deps;
  const tags = ['live-courses'];

  r.get(
    '/api/live-sessions/:id/chat',
    { schema: { tags, summary: 'Chat messages changed after a seq (participants, staff, admins)', params: LiveSessionIdParams, querystring: ChatQuery, response: { 200: ChatPage, ...errorResponses } } },
    async (request) => live.listMessages(currentUser(request), request.params.id, request.query.after ?? 0, request.query.limit ?? 200),
  );
  r.post(
    '/api/live-sessions/:id/chat',
    { schema: { tags, summary: 'Post a text, question or answer (participants, while live)', params: LiveSessionIdParams, body: PostChatBody, response: { 201: ChatMessage, ...errorResponses } } },
    async (request, reply) => reply.status(201).send(await live.postMessage(currentUser(request), request.params.id, request.body, clock.now())),
  );
  r.post(
    '/api/live-sessions/:id/chat/:messageId/answered',
    { schema: { tags, summary: 'Mark a question answered, or not (instructors, moderators)', params: ChatMessageParams, body: AnsweredBody, response: { 200: ChatMessage, ...errorResponses } } },
    async (request) => live.markAnswered(currentUser(request), request.params.id, request.params.messageId, request.body.answered),
  );
  r.delete(
    '/api/live-sessions/:id/chat/:messageId',
    { schema: { tags, summary: 'Delete a message (instructors, moderators)', params: ChatMessageParams, response: { 200: ChatMessage, ...errorResponses } } },
    async (request) => live.deleteMessage(currentUser(request), request.params.id, request.params.messageId, clock.now()),
  );
  r.get(
    '/api/live-sessions/:id/chat/stream',
    {
      schema: {
        tags,
        summary: 'The chat as server-sent events: `message` (id = seq) and `status`; send Last-Event-ID to resume',
        params: LiveSessionIdParams,
        headers: StreamHeaders,
        produces: ['text/event-stream'],
        response: { ...errorResponses },
      },
    },
    async (request, reply) => {
      const after = Number(request.headers['last-event-id'] ?? 0);
      let open: ReturnType<ChatStreams['begin']> | null = null;
      const pending: Parameters<typeof ChatStreams.write>[1][] = [];
      // Access is checked (and the backlog read) before anything is written: errors stay JSON.
      const stream = await live.openStream(currentUser(request), request.params.id, after, (m) => (open ? ChatStreams.write(open, m) : pending.push(m)));
      reply.hijack();
      open = streams.begin(reply.raw, () => stream.close());
      ChatStreams.write(open, { kind: 'status', sessionId: request.params.id, status: stream.status });
      for (const message of stream.backlog) ChatStreams.write(open, { kind: 'message', sessionId: request.params.id, message });
      for (const m of pending.splice(0)) ChatStreams.write(open, m);
      stream.start();
    },
  );
}
