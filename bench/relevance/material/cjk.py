"""Sessions in Japanese and Chinese, often with English code and commands in
them, as a person working in those languages has them."""

# Code quoted in the conversations keeps its own line lengths, and full-width
# punctuation is what Chinese and Japanese are written with.
# ruff: noqa: E501, RUF001

from __future__ import annotations

from bench.relevance.material.kit import CHATS, Variant, family, written

JAPANESE: list[Variant] = [
    {
        "key": "ja-npm-update",
        "repo": "web-dashboard",
        "turns": [
            "web-dashboard の依存パッケージを全部最新の状態にアップデートしたいです。安全なやり方は？",
            """
            まず何が古いかを確認しましょう:

            ```bash
            pnpm outdated
            ```

            一度に全部上げるより、次の順番がおすすめです:

            1. パッチとマイナーだけまとめて上げる: `pnpm update`（`package.json` の範囲内）
            2. テストを実行して問題がなければコミット
            3. メジャーバージョンは一つずつ: `pnpm add react-router@latest` など、
               リリースノートの破壊的変更を読んでから

            `npx npm-check-updates -i` を使うと、対話的に選びながら `package.json` を更新できます。
            """,
            "メジャーは react-router と vite だけでした。vite 6 で何か変わりますか？",
            """
            Vite 6 の主な変更点:

            - Node.js 18 / 20 / 22 以上が必要
            - `resolve.conditions` のデフォルト値が変わったので、独自に設定している場合は確認
            - Sass はデフォルトで modern API を使う

            このプロジェクトは Sass も `resolve.conditions` も使っていないので、
            `pnpm add -D vite@6` でそのまま動くはずです。
            """,
        ],
        "q": [("cjk", "最新"), ("cjk", "パッケージ アップデート vite")],
        "para": [],
    },
    {
        "key": "ja-docker-port",
        "repo": "billing-api",
        "turns": [
            "docker compose up で postgres コンテナが起動しません。"
            "「Bind for 0.0.0.0:5432 failed: port is already allocated」と出ます",
            """
            ホスト側の 5432 番ポートがすでに使用中です。多くの場合、Homebrew などで入れた
            ローカルの PostgreSQL が動いています。確認方法:

            ```bash
            lsof -i :5432
            ```

            対処は二つ:

            1. ローカルの PostgreSQL を止める: `brew services stop postgresql@16`
            2. compose 側のポートを変える: `ports: ["5433:5432"]` にして、アプリの
               `DATABASE_URL` も 5433 に合わせる
            """,
            "lsof で見たら brew の postgres でした。止めたら起動できました！",
            "よかったです。ログイン時に自動起動しないよう、`brew services list` で状態も確認しておくと安心です。",
        ],
        "q": [("cjk", "ポート 使用中 コンテナ")],
        "para": [],
    },
    {
        "key": "ja-git-undo",
        "repo": "mobile-app",
        "turns": [
            "間違えてコミットしてしまいました。まだ push していません。コミットを取り消して変更は残したいです",
            """
            次のコマンドで直前のコミットを取り消せます。変更内容はステージされた状態で残ります:

            ```bash
            git reset --soft HEAD~1
            ```

            ステージも解除したい場合は `git reset HEAD~1`（`--mixed`）を使ってください。
            push 済みのコミットには使わないでください。その場合は `git revert` です。
            """,
            "ありがとうございます。コミットメッセージだけ直したいときは？",
            '`git commit --amend -m "新しいメッセージ"` で直前のコミットのメッセージを書き換えられます。',
        ],
        "q": [("cjk", "コミット 取り消し")],
        "para": [],
    },
    {
        "key": "ja-python-venv",
        "repo": "ml-experiments",
        "turns": [
            "Python の仮想環境の作り方を教えてください。プロジェクトごとにライブラリを分けたいです",
            """
            標準ライブラリの `venv` で作れます:

            ```bash
            python3 -m venv .venv
            source .venv/bin/activate      # Windows は .venv\\Scripts\\activate
            pip install -r requirements.txt
            ```

            有効化するとプロンプトに `(.venv)` と表示され、`pip install` はこの環境にだけ
            入ります。終わるときは `deactivate` です。`.venv` は `.gitignore` に入れてください。
            """,
            "uv というのも聞きました。違いは？",
            "uv は Rust 製の高速なツールで、`uv venv` で仮想環境を作り、`uv pip install` や "
            "`uv sync` で依存関係を入れます。pip よりかなり速く、ロックファイルも扱えます。"
            "仕組みとしては同じ仮想環境なので、どちらでも大丈夫です。",
        ],
        "q": [("cjk", "仮想環境 作り方")],
        "para": [],
    },
    {
        "key": "ja-regex-email",
        "repo": "notifier",
        "turns": [
            "正規表現でメールアドレスを検証したいです。TypeScript です",
            """
            完全に RFC 通りの正規表現は非常に複雑なので、実用的には「@ が一つあり、
            ドメインにドットがある」程度で十分です:

            ```ts
            const EMAIL = /^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$/
            EMAIL.test('ann@example.com') // true
            ```

            本当に存在するアドレスかどうかは、確認メールを送るしかありません。
            """,
            "zod を使っているのですが、zod にもありますか",
            "はい、`z.string().email()` があります。自分で正規表現を書くより、そちらを使うのがおすすめです。",
        ],
        "q": [("cjk", "正規表現 メールアドレス")],
        "para": [],
    },
    {
        "key": "ja-slow-query",
        "repo": "legacy-crm",
        "turns": [
            "遅いクエリを調べたいです。PostgreSQL でどのクエリが一番時間を使っているか分かりますか",
            """
            `pg_stat_statements` 拡張を使います。有効化したあと:

            ```sql
            SELECT calls, round(total_exec_time) AS total_ms,
                   round(mean_exec_time, 1) AS mean_ms, left(query, 80)
            FROM pg_stat_statements
            ORDER BY total_exec_time DESC
            LIMIT 10;
            ```

            合計時間の多い順に並ぶので、まず上位のクエリに `EXPLAIN (ANALYZE, BUFFERS)` を
            かけて、Seq Scan やインデックスの不足を確認します。
            """,
            "一位は deals テーブルの stage での絞り込みでした。インデックスを張ればいいですか",
            "`stage` の値の種類が少ない場合（例えば5種類）、普通のインデックスはあまり効きません。"
            "よく一緒に使う条件（`owner_id` など）との複合インデックスか、特定の stage だけの"
            "部分インデックスを検討してください。",
        ],
        "q": [("cjk", "遅いクエリ")],
        "para": [],
    },
    {
        "key": "ja-useeffect-twice",
        "repo": "web-dashboard",
        "turns": [
            "React で useEffect が二回呼ばれる問題。API も二回叩かれてしまいます。バグですか？",
            """
            開発環境で `StrictMode` を使っている場合の正常な動作です。React 18 以降、
            StrictMode は開発時にコンポーネントを一度マウントしてアンマウントし、もう一度
            マウントします。クリーンアップ漏れを見つけるためです。本番では一回だけです。

            fetch の場合はクリーンアップで中断しましょう:

            ```tsx
            useEffect(() => {
              const controller = new AbortController()
              fetch('/api/me', { signal: controller.signal })
              return () => controller.abort()
            }, [])
            ```
            """,
            "なるほど、本番では一回なんですね。安心しました",
            "はい。データ取得には TanStack Query などのライブラリを使うと、この問題を気にせずに済みます。",
        ],
        "q": [("cjk", "二回呼ばれる")],
        "para": [],
    },
    {
        "key": "ja-readme-translate",
        "repo": "tidy",
        "turns": [
            "tidy の README を日本語に翻訳してください。最初のセクションだけでいいです:\n\n"
            "Whitespace hygiene for whole repositories, fast. tidy finds and fixes trailing "
            "whitespace, missing final newlines and mixed indentation in every text file of a "
            "tree, respecting .gitignore.",
            """
            # tidy

            リポジトリ全体の空白をきれいに、高速に。

            `tidy` は、ツリー内のすべてのテキストファイルから、行末の空白、ファイル末尾の改行漏れ、
            インデントの混在を見つけて修正します。`.gitignore` も尊重します。
            """,
            "「空白をきれいに」は少し不自然かも。もっと技術文書っぽく",
            """
            # tidy

            リポジトリ全体の空白文字を高速にチェック・修正するツール。

            `tidy` は、ディレクトリ内のすべてのテキストファイルを対象に、行末の空白、
            末尾改行の欠落、タブとスペースの混在を検出して修正します。`.gitignore` の設定に従います。
            """,
        ],
        "q": [("cjk", "README 翻訳")],
        "para": [],
    },
]

CHINESE: list[Variant] = [
    {
        "key": "zh-connection-pool",
        "repo": "search-service",
        "turns": [
            "search-service 高峰期报错: HikariPool-1 - Connection is not available, request "
            "timed out after 30000ms。数据库连接池是不是太小了？",
            """
            不一定是连接池太小，更常见的原因是连接被长时间占用或者泄漏。先打开 Hikari 的泄漏检测:

            ```yaml
            spring:
              datasource:
                hikari:
                  maximum-pool-size: 20
                  leak-detection-threshold: 10000
            ```

            超过 10 秒没有归还的连接会在日志里打印出获取它的堆栈，这样就能找到是哪段代码占用了连接。
            """,
            "日志里看到是导出报表的接口，一次查询要 40 秒，一直占着连接",
            """
            那就是原因了：几个导出请求就能把连接池占满，其他请求只能等待然后超时。建议:

            1. 导出改成异步任务，用单独的小连接池（比如 2 个连接）
            2. 给导出查询设置 `statement_timeout`
            3. 优化那条查询本身，先用 `EXPLAIN ANALYZE` 看一下执行计划
            """,
        ],
        "q": [("cjk", "连接池 超时"), ("cjk", "HikariPool 导出")],
        "para": [],
    },
    {
        "key": "zh-pandas-merge",
        "repo": "data-notebooks",
        "turns": [
            "pandas 怎么合并两个表？订单表有 customer_id，客户表有 id 和 name，我想把客户名字加到订单表里",
            """
            用 `merge`:

            ```python
            result = orders.merge(
                customers[["id", "name"]],
                left_on="customer_id",
                right_on="id",
                how="left",
            ).drop(columns="id")
            ```

            `how="left"` 保留所有订单，即使找不到对应的客户（名字会是 NaN）。
            """,
            "合并之后行数变多了，为什么？",
            "说明客户表里有重复的 `id`，一个订单匹配到了多个客户。可以用 "
            "`customers['id'].duplicated().sum()` 检查，或者在 merge 时加 "
            '`validate="many_to_one"`，有重复就直接报错。',
        ],
        "q": [("cjk", "合并两个表 行数变多")],
        "para": [],
    },
    {
        "key": "zh-nginx-reverse-proxy",
        "repo": "infra",
        "turns": [
            "nginx 反向代理到 localhost:3000 的 node 服务，一直返回 502 Bad Gateway",
            """
            502 表示 nginx 连不上后端。先看 nginx 的错误日志:

            ```bash
            sudo tail -n 20 /var/log/nginx/error.log
            ```

            常见原因:

            - node 服务没有启动，或者监听的是别的端口
            - node 只监听了 `::1`（IPv6），而 nginx 连的是 `127.0.0.1`
            - SELinux 禁止 nginx 发起网络连接（CentOS/RHEL 上很常见）
            """,
            "日志是 connect() failed (13: Permission denied)，服务器是 Rocky Linux",
            "那就是 SELinux。允许 nginx 连接网络: `sudo setsebool -P httpd_can_network_connect 1`。"
            "`-P` 表示重启后仍然有效。",
        ],
        "q": [("cjk", "反向代理 502")],
        "para": [],
    },
    {
        "key": "zh-leave-email",
        "turns": [
            "帮我写一封请假邮件，下周三到周五请年假，工作已经交接给小王了，语气正式一点",
            """
            主题：年假申请（11月12日至11月14日）

            李经理，您好：

            我计划于下周三（11月12日）至周五（11月14日）休年假，共三天，11月17日（周一）正常返岗。

            休假期间，我负责的工作已与王明交接完毕，包括账单服务的日常维护和正在进行的 CI 优化，
            如有紧急事项可以联系他。我也会留意手机，必要时可以远程处理。

            恳请批准，谢谢！

            此致
            敬礼

            Ann
            """,
            "不用写具体日期，写下周三到周五就行",
            "好的，已把正文改为“我计划于下周三至周五休年假，共三天”，主题改为“年假申请”。",
        ],
        "q": [("cjk", "请假邮件")],
        "para": [],
    },
    {
        "key": "zh-rust-ownership",
        "turns": [
            "能用简单的话解释一下 Rust 的所有权吗？为什么 let b = a; 之后 a 就不能用了",
            """
            Rust 里每个值都有一个“所有者”，同一时间只能有一个。`let b = a;` 对 `String` 这种
            在堆上分配内存的类型来说是“移动”（move）：所有权从 `a` 转给了 `b`，`a` 就失效了。
            这样离开作用域时只有 `b` 会释放内存，不会出现重复释放。

            如果想两个都能用:

            - 借用：`let b = &a;`（只读引用，不转移所有权）
            - 复制一份：`let b = a.clone();`

            像 `i32` 这样的简单类型实现了 `Copy`，赋值时直接复制，所以 `a` 还能用。
            """,
            "那函数参数也是一样吗？",
            "一样。把 `String` 直接传给函数，所有权就移动进函数了；传 `&String`（或者更好，`&str`）"
            "就只是借用，调用之后还能继续用。",
        ],
        "q": [("cjk", "所有权 移动")],
        "para": [],
    },
    {
        "key": "zh-k8s-restart",
        "repo": "infra",
        "turns": [
            "Pod 一直重启，状态是 CrashLoopBackOff，kubectl logs 什么都看不到",
            """
            当前容器可能刚启动就退出了，日志还没来得及输出。看上一次崩溃的日志:

            ```bash
            kubectl logs <pod> --previous
            kubectl describe pod <pod>
            ```

            `describe` 里的 `Last State` 会显示退出码：137 一般是内存超限（OOMKilled），
            1 一般是程序自己报错退出。
            """,
            "退出码 137，Reason: OOMKilled",
            "内存超过了 limits。先用 `kubectl top pod` 看实际用量，然后适当调大 "
            "`resources.limits.memory`；如果内存一直涨，可能是内存泄漏，需要再查代码。",
        ],
        "q": [("cjk", "一直重启 退出码")],
        "para": [],
    },
    {
        "key": "zh-weekly-report",
        "turns": [
            "帮我写本周周报，内容：完成了账单服务 CI 缓存优化（4 分钟降到 40 秒），修复了发票日期差一天的问题，"
            "下周计划做 Pydantic 2 升级",
            """
            **本周工作总结**

            1. **CI 缓存优化**：修正了账单服务 CI 的缓存配置，依赖安装时间从约 4 分钟降低到 40 秒，
               明显加快了代码合并的速度。
            2. **发票日期问题修复**：定位并修复了部分时区客户看到的发票日期比实际早一天的问题，
               原因是日期被当作时间点处理，已改为纯日期类型，并补充了测试。

            **下周计划**

            1. 将账单服务从 Pydantic 1 升级到 Pydantic 2，预计需要 3 天，包括测试和灰度发布。
            """,
            "加一条风险：升级可能影响对外 API 的数据格式",
            "已在“下周计划”后加入：**风险**：Pydantic 2 的序列化行为有变化，可能影响对外 API 的"
            "返回格式，计划用现有的接口测试对比升级前后的输出。",
        ],
        "q": [("cjk", "周报 缓存优化")],
        "para": [],
    },
]

for v in JAPANESE + CHINESE:
    v["chat"] = True
    v["thanks"] = False  # the shared thanks are English

family("japanese", JAPANESE, CHATS)(written)
family("chinese", CHINESE, CHATS)(written)
