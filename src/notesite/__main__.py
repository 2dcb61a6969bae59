from notesite.cli import main

raise SystemExit(main())
