import { z } from 'zod';

export const MAX_LEAK_ITEMS = 1_000;

export const leakReport = z
  .array(
    z.object({
      token: z.string().min(1).max(1_024),
      type: z.string().max(256),
      url: z.string().max(4_096).nullish(),
      source: z.string().max(256).nullish(),
    }),
  )
  .max(MAX_LEAK_ITEMS);

export const leakLabels = z
  .array(
    z.object({
      token_hash: z.string().meta({ description: 'Hex SHA-256 of the reported token' }),
      token_type: z.string(),
      label: z.enum(['true_positive', 'false_positive']),
    }),
  )
  .meta({
    id: 'LeakLabels',
    example: [
      {
        token_hash: 'f2ca1bb6c7e907d06dafe4687e579fce76b37e4e93b7605022da52e6ccc26fd2',
        token_type: 'keyledger_api_key',
        label: 'true_positive',
      },
    ],
  });

export const revokeLeakedBody = z.object({
  credentials: z
    .array(z.string().max(1_024), { error: 'credentials must be an array of strings' })
    .max(MAX_LEAK_ITEMS, `at most ${MAX_LEAK_ITEMS} credentials`)
    .meta({ description: `Keys found exposed, at most ${MAX_LEAK_ITEMS}` }),
});
