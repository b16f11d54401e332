from dualpower.entry import main

main()
