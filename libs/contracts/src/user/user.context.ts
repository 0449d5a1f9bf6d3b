import { defineContext } from '../context.js';
import { USER_ROUTES } from './user.http.js';
import { UserRegisteredV1 } from './user.events.js';

/** The user context: accounts, sign-in, profiles (DESIGN.md section 5). */
export const userContext = defineContext({
  name: 'user',
  port: 3001,
  events: [UserRegisteredV1],
  routes: USER_ROUTES,
  tags: { auth: 'Accounts and sign-in', users: 'The signed-in user' },
});
