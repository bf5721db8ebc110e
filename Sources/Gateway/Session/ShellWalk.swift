import ShellAnalysis

/// Every simple command of a script, through its compound commands and function bodies.
enum ShellWalk {
    static func simpleCommands(in script: Script) -> [SimpleCommand] {
        var out: [SimpleCommand] = []
        walk(script, &out)
        return out
    }

    static func walk(_ script: Script, _ out: inout [SimpleCommand]) {
        for item in script.items {
            for pipeline in item.andOr.pipelines {
                for command in pipeline.commands { walk(command, &out) }
            }
        }
    }

    static func walk(_ command: Command, _ out: inout [SimpleCommand]) {
        switch command {
        case .simple(let s):
            out.append(s)
        case .function(_, let body, _):
            walk(body, &out)
        case .compound(let c, _, _):
            switch c {
            case .braceGroup(let s), .subshell(let s): walk(s, &out)
            case .ifClause(let branches, let elseBody):
                for b in branches { walk(b.condition, &out); walk(b.body, &out) }
                if let elseBody { walk(elseBody, &out) }
            case .forClause(_, _, let body), .selectClause(_, _, let body), .arithmeticFor(_, let body): walk(body, &out)
            case .whileClause(let condition, let body, _): walk(condition, &out); walk(body, &out)
            case .caseClause(_, let items): for i in items { walk(i.body, &out) }
            case .arithmetic, .conditional: break
            }
        }
    }
}
