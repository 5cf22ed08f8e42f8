/**
 * The reference of the HTTP benchmark (DESIGN 6): a bare Fastify server, logger off, with one
 * trivial JSON route, `GET /` → `{"hello":"world"}`, on PORT (127.0.0.1).
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/', async () => ({ hello: 'world' }));
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
const stop = () => void app.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
