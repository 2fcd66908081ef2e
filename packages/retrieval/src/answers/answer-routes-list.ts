/** Every answers route (agent API, OpenAI-compatible API, review API), for the app's route list. */
import { adminAnswersRoutes } from './admin-answers-routes.js';
import { answersRoutes } from './answers-routes.js';
import { chatRoutes } from './chat-routes.js';

export const answerRoutes = [...answersRoutes, ...chatRoutes, ...adminAnswersRoutes];
