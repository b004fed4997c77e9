from gumroad_async.cli import main

main()
