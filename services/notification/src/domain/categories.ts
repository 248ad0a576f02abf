import { z } from 'zod';

/** What a notification is about; a recipient can mute a category's pushes. */
export const Category = z.enum(['new_order', 'order_outcome', 'delivery_progress', 'assignment', 'audit', 'sharing']);
export type Category = z.infer<typeof Category>;
