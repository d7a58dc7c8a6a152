// `npm run schema`: writes the model card's zod schema as JSON Schema, for training/common to validate
// cards against before it writes them (Debian's python3-jsonschema). tests/unit/card.test.ts fails when
// the committed file is not what this writes.
import { writeFileSync } from 'node:fs';
import { cardJsonSchema } from '../src/lib/card/json-schema.ts';

writeFileSync('src/lib/card/card.schema.json', cardJsonSchema());
