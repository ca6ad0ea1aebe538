// Request shapes of due process (TypeBox).
import Type from 'typebox';
import { Note } from '../service-point/schemas.ts';
import { PageQuery } from '../../http/paging.ts';

/** The optional body of a confirmation, reversal, resumption or re-instatement. */
export const NoteBody = Type.Object({ note: Type.Optional(Note) }, { additionalProperties: false });
export type NoteBodyT = Type.Static<typeof NoteBody>;

export const AppealBody = Type.Object(
  {
    filedBy: Type.Union([Type.Literal('pensioner'), Type.Literal('heir'), Type.Literal('agent')]),
    grounds: Type.String({ minLength: 1, maxLength: 2000 }),
    decisionAt: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
  },
  { additionalProperties: false },
);
export type AppealBodyT = Type.Static<typeof AppealBody>;

export const DecideBody = Type.Object(
  { outcome: Type.Union([Type.Literal('upheld'), Type.Literal('overturned')]), reason: Type.String({ minLength: 1, maxLength: 2000 }) },
  { additionalProperties: false },
);
export type DecideBodyT = Type.Static<typeof DecideBody>;

/** An appeal's id is a uuid, as a check's. */
export { CheckIdParam as AppealIdParam } from '../manual-checks/schemas.ts';

export const AppealQuery = Type.Object(
  { status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('decided')])), ...PageQuery },
  { additionalProperties: false },
);
export type AppealQueryT = Type.Static<typeof AppealQuery>;
