// What the Kysely table types (src/infra/db-types.ts) say of each column, read with the
// TypeScript compiler: what a SELECT gives (its kinds, and whether null), and whether an INSERT
// must give it, may leave it out, or may not give it at all. The db-types test compares this
// with information_schema of a migrated database, so the types cannot drift from the migrations.
import ts from 'typescript';

export type InsertRule = 'required' | 'optional' | 'never';

export interface ColumnTypeInfo {
  /** What a SELECT gives, null left out: 'string', 'number', 'boolean', 'Date', 'Buffer', 'unknown', 'object', or one of them + '[]'. */
  kinds: string[];
  nullable: boolean;
  insert: InsertRule;
}

const COMPILER_OPTIONS: ts.CompilerOptions = {
  strict: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  allowImportingTsExtensions: true,
  noEmit: true,
  skipLibCheck: true,
};

/** Table → column → what its type says, for every property of the interface `root` (the DB) of `file`. */
export function tableTypes(file: string, root = 'DB'): Map<string, Map<string, ColumnTypeInfo>> {
  const program = ts.createProgram([file], COMPILER_OPTIONS);
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  if (!source) throw new Error(`${file}: not found`);
  const decl = source.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === root);
  if (!decl) throw new Error(`${file}: no interface ${root}`);
  const typeOf = (s: ts.Symbol) => checker.getTypeOfSymbolAtLocation(s, decl);
  const members = (t: ts.Type): ts.Type[] => (t.isUnion() ? t.types : [t]);

  function kindOf(t: ts.Type): string {
    if (t.flags & (ts.TypeFlags.String | ts.TypeFlags.StringLiteral)) return 'string';
    if (t.flags & (ts.TypeFlags.Number | ts.TypeFlags.NumberLiteral)) return 'number';
    if (t.flags & (ts.TypeFlags.Boolean | ts.TypeFlags.BooleanLiteral)) return 'boolean';
    if (t.flags & (ts.TypeFlags.Unknown | ts.TypeFlags.Any)) return 'unknown';
    if (checker.isArrayType(t)) return `${kindOf(checker.getTypeArguments(t as ts.TypeReference)[0]!)}[]`;
    const name = t.getSymbol()?.getName() ?? t.aliasSymbol?.getName();
    if (name === 'Date' || name === 'Buffer') return name;
    if (t.flags & ts.TypeFlags.Object) return 'object';
    return checker.typeToString(t);
  }

  /** A column's select and insert types: ColumnType<S, I, U> (and Generated) by their phantom properties, anything else as itself. */
  function split(t: ts.Type): { select: ts.Type[]; insert: ts.Type[] } {
    const select: ts.Type[] = [];
    const insert: ts.Type[] = [];
    for (const m of members(t)) {
      const s = m.getProperty('__select__');
      const i = m.getProperty('__insert__');
      if (s && i) {
        // Generated<ColumnType<…>> may stay nested: the inner one says what is selected.
        select.push(...members(typeOf(s)).flatMap((x) => split(x).select));
        insert.push(...members(typeOf(i)).flatMap((x) => split(x).insert));
      } else {
        select.push(m);
        insert.push(m);
      }
    }
    return { select, insert };
  }

  const out = new Map<string, Map<string, ColumnTypeInfo>>();
  for (const table of checker.getTypeAtLocation(decl).getProperties()) {
    const columns = new Map<string, ColumnTypeInfo>();
    for (const column of typeOf(table).getProperties()) {
      const { select, insert } = split(typeOf(column));
      const isNull = (x: ts.Type) => !!(x.flags & ts.TypeFlags.Null);
      const given = insert.filter((x) => !(x.flags & ts.TypeFlags.Never));
      const mayLeaveOut = (column.flags & ts.SymbolFlags.Optional) !== 0 || given.some((x) => x.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null));
      columns.set(column.getName(), {
        kinds: [...new Set(select.filter((x) => !isNull(x)).map(kindOf))].sort(),
        nullable: select.some(isNull),
        insert: given.length === 0 ? 'never' : mayLeaveOut ? 'optional' : 'required',
      });
    }
    out.set(table.getName(), columns);
  }
  return out;
}
